/**
 * Agent → server reporting (A14, W9): reports and command acknowledgements
 * go through a persistent outbox, are sent oldest first whenever `/ws/events`
 * is open, and are forgotten once the server acknowledged them. Progress is
 * live only: sent when connected, at most one per 250 ms per node, never
 * stored. Sending is paced under the server's rate limit; on `rate_limited`
 * the reporter waits and resends from the oldest unacknowledged message (the
 * server recognises a replayed `reportId` and applies it once).
 */
import type { Client } from "@libsql/client";
import { randomBytes } from "node:crypto";
import type { BackoffOptions } from "../sources/backoff.ts";
import { startLiveSocket, type LiveSocket, type SocketState, type WebSocketConstructor } from "../sources/live-socket.ts";
import { Outbox } from "./outbox.ts";
import { Pacer, type PaceOptions } from "./pacer.ts";
import { checkCommandAck, checkReport, type AgentReport, type SentReport } from "./report.ts";

export { REPORTS_SCHEMA } from "./outbox.ts";
export type { AgentReport } from "./report.ts";

/** Options of {@link Reporter.open}. */
export interface ReporterOptions {
  /** Most messages kept in the outbox. @default 10000 */
  maxRows?: number;
  /** Pacing of sends. @default { burst: 50, perSecond: 15 } */
  pace?: PaceOptions;
  /** Least time between two progress reports of one node, ms. @default 250 */
  progressGapMs?: number;
  /** First wait after `rate_limited`, ms (doubles while it repeats, up to 10 s). @default 1000 */
  rateLimitedMs?: number;
  /** After a `rate_limited`, messages go one at a time: how long to wait for each answer before sending it again, ms. @default 10000 */
  answerTimeoutMs?: number;
  /** A refusal of the server, or a broken callback. */
  onError?: (error: Error) => void;
  /** Clock in ms. @default Date.now */
  now?: () => number;
}

/** Where and how to connect. */
export interface ReporterTarget {
  /** The server's base URL; a function when it may change between connections. */
  serverUrl: string | (() => string);
  token: string;
  backoff?: BackoffOptions;
  WebSocket?: WebSocketConstructor;
  /** Connection state changes. */
  onState?: (state: SocketState) => void;
  /** The server refused the machine for good. */
  onFatal?: (reason: string) => void;
}

/** Errors after which a command acknowledgement is done: nothing more to say. */
const ACK_SETTLED = new Set(["already_acknowledged", "command_expired", "not_found", "invalid_command_ack"]);
const BATCH = 50;
/** The server's own gap between two stored progress reports of one socket, ms (plus a margin). */
const PROGRESS_SERVER_GAP_MS = 210;


/** Creates a report id: 32 characters of base64url. */
function newReportId(): string {
  return randomBytes(24).toString("base64url");
}

/** Sends the agent's reports, through a persistent outbox. */
export class Reporter {
  private live: LiveSocket | undefined;
  private sentUpTo = 0;
  /** Changes whenever sending must start again from the oldest message (a new connection, `rate_limited`). */
  private epoch = 0;
  private pumping = false;
  private pumpAgain = false;
  private wake: NodeJS.Timeout | undefined;
  private pausedUntil = 0;
  private rateLimitedStreak = 0;
  /** After a `rate_limited`: one message in flight at a time, until the outbox is empty. */
  private careful = false;
  private awaiting: { key: string; since: number } | undefined;
  private readonly lastProgress = new Map<string, number>();
  private lastAnyProgress = 0;
  private readonly pacer: Pacer;
  private readonly now: () => number;
  private droppedCount = 0;

  private constructor(
    private readonly outbox: Outbox,
    private readonly options: ReporterOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.pacer = new Pacer(options.pace, this.now);
  }

  /**
   * Opens the reporter over the agent's state database.
   * @param db The state database, opened with {@link REPORTS_SCHEMA}.
   * @param options Bounds, pacing and callbacks.
   * @returns The reporter, not yet connected (reports are stored meanwhile).
   */
  static open(db: Client, options: ReporterOptions = {}): Promise<Reporter> {
    return Promise.resolve(new Reporter(new Outbox(db, Math.max(1, options.maxRows ?? 10_000)), options));
  }

  /** Whether `/ws/events` is open. */
  get connected(): boolean {
    return this.live?.connected ?? false;
  }

  /** Messages dropped from a full outbox since open. */
  get dropped(): number {
    return this.droppedCount;
  }

  /**
   * How many messages wait for the server's acknowledgement.
   * @returns The outbox size.
   */
  pending(): Promise<number> {
    return this.outbox.size();
  }

  /**
   * Reports something: stored, then sent when connected (progress: sent when connected, else dropped).
   * @param report The report, without `reportId` and `ts`.
   * @throws TypeError for a report the server would refuse (nothing stored).
   */
  async report(report: AgentReport): Promise<void> {
    checkReport(report);
    const ts = this.now();
    if (report.type === "sync_progress") {
      this.sendProgress({ ...report, ts });
      return;
    }
    const reportId = newReportId();
    const sent: SentReport = { ...report, reportId, ts };
    this.droppedCount += await this.outbox.add(reportId, report.type, JSON.stringify(sent), ts);
    this.pump();
  }

  /**
   * Answers a command (acted on or refused); queued until the server took it.
   * @param commandId The command's id.
   * @param ok Whether it was carried out.
   * @param message Optional text (no file names), at most 1,000 characters.
   * @throws TypeError for a malformed id or message.
   */
  async ackCommand(commandId: string, ok: boolean, message?: string): Promise<void> {
    checkCommandAck(commandId, message);
    const body = JSON.stringify({ type: "command_ack", commandId, ok, ...(message === undefined ? {} : { message }) });
    this.droppedCount += await this.outbox.add(commandId, "command_ack", body, this.now());
    this.pump();
  }

  /**
   * Connects to `/ws/events` and keeps the connection up.
   * @param target Server, token and connection callbacks.
   */
  connect(target: ReporterTarget): void {
    if (this.live) throw new Error("The reporter is already connected");
    this.live = startLiveSocket({
      serverUrl: target.serverUrl,
      path: "/ws/events",
      token: target.token,
      backoff: target.backoff,
      WebSocket: target.WebSocket,
      onState: target.onState,
      onFatal: target.onFatal,
      onError: this.options.onError,
      onOpen: () => {
        this.awaiting = undefined;
        this.restart();
        this.pausedUntil = 0;
        this.pacer.refill();
        this.pump();
      },
      onMessage: (message) => void this.onMessage(message).catch((error: unknown) => this.fail(error)),
    });
  }

  /**
   * Disconnects; waiting messages stay in the outbox for the next connection.
   */
  async close(): Promise<void> {
    clearTimeout(this.wake);
    const live = this.live;
    this.live = undefined;
    await live?.close();
  }

  private fail(error: unknown): void {
    this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
  }

  private sendProgress(report: SentReport & { type: "sync_progress" }): void {
    if (!this.connected) return;
    const node = report.nodeId ?? "";
    const last = this.lastProgress.get(node);
    if (last !== undefined && report.ts - last < (this.options.progressGapMs ?? 250)) return;
    // The server stores one progress report per 200 ms and socket: closer ones would be dropped there.
    if (report.ts - this.lastAnyProgress < PROGRESS_SERVER_GAP_MS) return;
    // Progress is lossy: it never takes the tokens the outbox's replay needs.
    if (this.pausedUntil > this.now() || !this.pacer.takeAbove(this.pacer.halfBurst)) return;
    if (this.lastProgress.size > 1000) this.lastProgress.clear();
    this.lastProgress.set(node, report.ts);
    this.lastAnyProgress = report.ts;
    this.live?.send(report);
  }

  private async onMessage(message: Record<string, unknown>): Promise<void> {
    if (message.type === "ack" && typeof message.reportId === "string") {
      this.rateLimitedStreak = 0;
      return this.settle(message.reportId);
    }
    if (message.type === "command_acked" && typeof message.commandId === "string") return this.settle(message.commandId);
    if (message.type !== "error") return;
    const code = String(message.error);
    if (code === "rate_limited") return this.onRateLimited();
    const text = typeof message.message === "string" ? message.message : code;
    if (typeof message.commandId === "string" && ACK_SETTLED.has(code)) {
      await this.settle(message.commandId);
      if (code === "invalid_command_ack") this.fail(new Error(`The server refused a command acknowledgement: ${text}`));
      return;
    }
    if (typeof message.reportId === "string") await this.settle(message.reportId);
    this.fail(new Error(`The server refused a report (${code}): ${text}`));
  }

  /** The server answered for good about a message: forget it; in careful mode, send the next. */
  private async settle(key: string): Promise<void> {
    await this.outbox.remove(key);
    if (this.awaiting?.key === key) {
      this.awaiting = undefined;
      this.pump();
    }
  }

  private onRateLimited(): void {
    // The refusals of one burst arrive together: one wait for all of them.
    if (this.pausedUntil > this.now() && this.awaiting === undefined) return;
    // Start again from the oldest waiting message, one at a time until the outbox is empty:
    // with one message in flight, a refill of the server's bucket cannot let a later one pass an earlier one.
    const wait = Math.min(10_000, (this.options.rateLimitedMs ?? 1000) * 2 ** this.rateLimitedStreak);
    this.rateLimitedStreak = Math.min(this.rateLimitedStreak + 1, 10);
    this.pausedUntil = this.now() + wait;
    this.careful = true;
    this.awaiting = undefined;
    this.restart();
    this.pacer.drain();
    this.pump();
  }

  private restart(): void {
    this.sentUpTo = 0;
    this.epoch++;
  }

  private later(ms: number): void {
    clearTimeout(this.wake);
    this.wake = setTimeout(() => this.pump(), Math.max(1, ms));
  }

  private pump(): void {
    if (!this.connected) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void this.drain()
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.pumping = false;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        }
      });
  }

  private async drain(): Promise<void> {
    const epoch = this.epoch;
    for (;;) {
      const pause = this.pausedUntil - this.now();
      if (pause > 0) return this.later(pause);
      if (this.awaiting) {
        const timeout = this.options.answerTimeoutMs ?? 10_000;
        const waited = this.now() - this.awaiting.since;
        if (waited < timeout) return this.later(timeout - waited);
        // No answer: send it again.
        this.awaiting = undefined;
        this.restart();
        return this.pump();
      }
      const rows = await this.outbox.after(this.sentUpTo, this.careful ? 1 : BATCH);
      if (epoch !== this.epoch) return;
      if (rows.length === 0) {
        // Everything sent and (careful mode: one at a time) answered.
        this.careful = false;
        return;
      }
      for (const row of rows) {
        // A reconnect or a refusal restarts the replay; the next pump takes over.
        if (!this.connected || epoch !== this.epoch) return;
        const wait = this.pacer.take();
        if (wait > 0) return this.later(wait);
        this.live?.send(JSON.parse(row.body) as object);
        this.sentUpTo = row.id;
        if (this.careful) this.awaiting = { key: row.key, since: this.now() };
      }
    }
  }
}
