/**
 * The WebSocket hub (A13, A14, W8, S10): the registry of open sockets, the
 * two tails that feed them (event log → `/ws/changes` and `/ws/dashboard`;
 * report feed → `/ws/dashboard`), heartbeats, and revocation. Because it
 * learns of events by tailing the database, every server process sharing
 * one database notifies its own clients of commits made through any of
 * them, closes a removed machine's sockets wherever they are, and pushes
 * a command to its machine's `/ws/changes` sockets wherever they are. One
 * machine keeps at most {@link MAX_SOCKETS_PER_MACHINE} sockets per process:
 * opening another closes its oldest (4429).
 */
import type { Client } from "@libsql/client";
import type { Logger } from "pino";
import type { EventEnvelope } from "../../events/envelope.ts";
import { readEventsAfterCapped } from "../../events/store.ts";
import { commandFrame, markDelivered } from "../commands/commands.ts";
import { COMMAND_EVENT_TYPES, publicChange, visibleTo, type ChangeReader } from "../files/changes.ts";
import { eventHead, readReportsAfter, reportHead, type ReportRow } from "./feeds.ts";
import { DEFAULT_SUBSCRIBER_LIMITS, Subscriber, type SubscriberLimits, type SubscriberSink } from "./subscriber.ts";
import { Tail } from "./tail.ts";
import { POLLING_ONLY, type CrossProcessWake } from "./wake.ts";

/** Tuning of the hub. */
export interface HubOptions {
  /** Tail poll period in ms. @default 25 */
  pollMs: number;
  /** Tail poll period in ms while the wake channel is live (a safety net for a lost wake). @default 1000 */
  notifiedPollMs: number;
  /** Heartbeat period in ms; a socket silent for two periods is dropped. @default 20000 */
  heartbeatMs: number;
  /** Per-subscriber bounds. */
  limits: SubscriberLimits;
  /** Largest event batch pushed inline; bigger batches become a `changed` hint. @default 256 KiB */
  maxInlineBytes: number;
  /** Most sockets one machine keeps open here; one more closes its oldest (4429). @default 4 */
  maxSocketsPerMachine: number;
}

/** Defaults of {@link HubOptions}. */
export const DEFAULT_HUB_OPTIONS: HubOptions = {
  pollMs: 25,
  notifiedPollMs: 1000,
  heartbeatMs: 20_000,
  limits: DEFAULT_SUBSCRIBER_LIMITS,
  maxInlineBytes: 256 * 1024,
  maxSocketsPerMachine: 4,
};

/** Close code sent to a removed machine's sockets and an ended session's dashboards. */
export const CLOSE_REVOKED = 4401;

/** Close code sent to a machine's oldest socket when it opens one more than {@link MAX_SOCKETS_PER_MACHINE}. */
export const CLOSE_TOO_MANY_SOCKETS = 4429;

/** Default of the most sockets one machine keeps open on one server process (an agent needs two). */
export const MAX_SOCKETS_PER_MACHINE = 4;

/** One open socket as the hub sees it. */
export interface HubConnection {
  kind: "changes" | "events" | "dashboard";
  accountId: string;
  /** The vault whose events are pushed, filtered as `GET /api/changes` serves them to a machine (`changes`) or a user (`dashboard`). */
  vaultId?: string;
  /** Set for agent sockets. */
  machineId?: string;
  /** Sends a heartbeat probe. */
  ping(): void;
  /** Closes the socket. */
  close(code: number, reason: string): void;
  /** Re-checks the credential; false closes the socket as revoked. */
  stillValid(): Promise<boolean>;
  /** When the peer was last heard (pong or message), in ms. */
  lastHeard: number;
}

interface Registered {
  conn: HubConnection;
  subscriber?: Subscriber;
}

/** The change-log reader a subscribed socket stands for (none for `events` sockets). */
function readerOf(conn: HubConnection): ChangeReader | null {
  if (conn.vaultId === undefined) return null;
  if (conn.kind === "changes") return conn.machineId === undefined ? null : { kind: "machine", vaultId: conn.vaultId, machineId: conn.machineId };
  if (conn.kind === "dashboard") return { kind: "user", vaultId: conn.vaultId, accountId: conn.accountId };
  return null;
}

/** The hub of one server process. */
export class Hub {
  readonly #log: Logger;
  readonly #options: HubOptions;
  readonly #connections = new Set<Registered>();
  readonly #events: Tail<EventEnvelope>;
  readonly #reports: Tail<ReportRow>;
  readonly #db: Client;
  readonly #wake: CrossProcessWake;
  #reportsDropped = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #latestCursor = 0;

  /**
   * @param db The database.
   * @param log The server log.
   * @param options Tuning.
   * @param wake How other processes' commits wake this hub (SQLite: they do not; the tails poll).
   */
  constructor(db: Client, log: Logger, options: Partial<HubOptions> = {}, wake: CrossProcessWake = POLLING_ONLY) {
    this.#log = log;
    this.#db = db;
    this.#wake = wake;
    this.#options = { ...DEFAULT_HUB_OPTIONS, ...options };
    const pollMs = (): number => (wake.live ? this.#options.notifiedPollMs : this.#options.pollMs);
    const onError = (error: unknown): void => log.warn({ err: error }, "hub tail read failed");
    this.#events = new Tail({
      // Byte-capped: a batch of large events stops at a few inline messages' worth (the next read follows at once).
      read: (after, limit) => readEventsAfterCapped(db, after, limit, 4 * this.#options.maxInlineBytes),
      head: () => eventHead(db),
      seqOf: (e) => e.seq,
      deliver: (events) => this.#deliverEvents(events),
      active: () => this.#connections.size > 0,
      onError,
      pollMs,
    });
    this.#reports = new Tail({
      read: (after, limit) => readReportsAfter(db, after, limit),
      head: () => reportHead(db),
      seqOf: (r) => r.seq,
      deliver: (rows) => this.#deliverReports(rows),
      active: () => [...this.#connections].some((r) => r.conn.kind === "dashboard"),
      onError,
      pollMs,
    });
    wake.subscribe(() => this.#readTails());
  }

  /** The hub's tuning. */
  get options(): HubOptions {
    return this.#options;
  }

  /**
   * Registers an open socket. `changes` and `dashboard` sockets get a
   * bounded outbox on `sink`.
   * @param conn The connection.
   * @param sink Where pushed messages go (omit for `events` sockets).
   * @returns A function that unregisters it.
   */
  add(conn: HubConnection, sink?: SubscriberSink): () => void {
    const entry: Registered = { conn };
    if (sink) {
      entry.subscriber = new Subscriber(
        sink,
        (dropped) => JSON.stringify({ type: "changed", cursor: this.#latestCursor, dropped }),
        this.#options.limits,
      );
    }
    if (conn.machineId !== undefined) this.#makeRoomFor(conn.machineId);
    this.#connections.add(entry);
    void this.#events.start();
    if (conn.kind === "dashboard") void this.#reports.start();
    this.#startHeartbeat();
    return () => {
      this.#connections.delete(entry);
      if (this.#connections.size === 0) this.#stopHeartbeat();
    };
  }

  /** Closes the machine's oldest sockets until one more fits under `maxSocketsPerMachine`. */
  #makeRoomFor(machineId: string): void {
    const mine = [...this.#connections].filter((e) => e.conn.machineId === machineId);
    for (const entry of mine.slice(0, Math.max(0, mine.length - this.#options.maxSocketsPerMachine + 1))) {
      entry.conn.close(CLOSE_TOO_MANY_SOCKETS, "too many sockets for this machine");
      this.#connections.delete(entry);
      this.#log.warn({ machineId }, "closed a machine's oldest socket: too many sockets");
    }
  }

  /** Counts an agent report dropped by the rate limit. */
  countDroppedReport(): void {
    this.#reportsDropped++;
  }

  /** Reads the tails now and wakes the other processes' hubs: called after a local commit. */
  wake(): void {
    this.#wake.announce();
    this.#readTails();
  }

  #readTails(): void {
    if (this.#connections.size === 0) return;
    this.#events.wake();
    this.#reports.wake();
  }

  /**
   * Closes every socket of a machine (it was removed).
   * @param machineId The machine.
   * @returns How many sockets were closed.
   */
  closeMachine(machineId: string): number {
    let closed = 0;
    for (const entry of this.#connections) {
      if (entry.conn.machineId !== machineId) continue;
      entry.conn.close(CLOSE_REVOKED, "machine removed");
      this.#connections.delete(entry);
      closed++;
    }
    if (closed > 0) this.#log.info({ machineId, sockets: closed }, "closed sockets of removed machine");
    return closed;
  }

  /** Counts for monitoring: open sockets by kind and messages dropped. */
  stats(): { sockets: Record<HubConnection["kind"], number>; dropped: number; reportsDropped: number } {
    const sockets = { changes: 0, events: 0, dashboard: 0 };
    let dropped = 0;
    for (const entry of this.#connections) {
      sockets[entry.conn.kind]++;
      dropped += entry.subscriber?.droppedTotal ?? 0;
    }
    return { sockets, dropped, reportsDropped: this.#reportsDropped };
  }

  /**
   * Closes every socket and stops the tails, the heartbeat and the wake channel.
   * @returns Once the wake channel's connection is closed.
   */
  stop(): Promise<void> {
    for (const entry of this.#connections) entry.conn.close(1001, "server stopping");
    this.#connections.clear();
    this.#events.stop();
    this.#reports.stop();
    this.#stopHeartbeat();
    return this.#wake.close();
  }

  #deliverEvents(events: EventEnvelope[]): void {
    const last = events[events.length - 1];
    if (last) this.#latestCursor = last.seq;
    const commands: string[] = [];
    for (const event of events) {
      if (event.type === "MachineRemoved") {
        const machineId = (event.payload as { machineId?: unknown }).machineId;
        if (typeof machineId === "string") this.closeMachine(machineId);
      }
      if (event.type === "MachineCommandIssued" && this.#pushCommand(event)) commands.push((event.payload as { commandId: string }).commandId);
    }
    if (commands.length > 0) {
      markDelivered(this.#db, commands, Date.now()).catch((error: unknown) => this.#log.warn({ err: error }, "cannot mark commands delivered"));
    }
    // The batch's last seq: a reader's cursor may skip what it does not see, so a client never re-reads the batch.
    const cursor = last?.seq ?? 0;
    const messages = new Map<string, string | null>();
    // Machines of one vault read the same events, but for command events (their own only).
    const perMachine = events.some((e) => COMMAND_EVENT_TYPES.includes(e.type));
    for (const entry of this.#connections) {
      const reader = readerOf(entry.conn);
      if (!reader || !entry.subscriber) continue;
      const key = reader.kind === "machine" ? `m:${reader.vaultId}:${perMachine ? reader.machineId : ""}` : `u:${reader.vaultId}:${reader.accountId}`;
      let message = messages.get(key);
      if (message === undefined) {
        message = this.#changesMessage(events, reader, cursor);
        messages.set(key, message);
      }
      if (message !== null) entry.subscriber.offer(message);
    }
  }

  /**
   * The pushed message: the events the reader sees, in the public shape of
   * `GET /api/changes` (no account, vault or request id), or a `changed`
   * hint when too big; null when it sees none of them.
   */
  #changesMessage(list: EventEnvelope[], reader: ChangeReader, cursor: number): string | null {
    const events = list.filter((e) => visibleTo(reader, e)).map(publicChange);
    if (events.length === 0) return null;
    const message = JSON.stringify({ type: "changes", cursor, events });
    return message.length > this.#options.maxInlineBytes ? JSON.stringify({ type: "changed", cursor }) : message;
  }

  /** Pushes a command to its machine's `/ws/changes` sockets on this process; true when one took it. */
  #pushCommand(event: EventEnvelope): boolean {
    const p = event.payload as { commandId: string; machineId: string; kind: "sync_now" | "pause" | "resume"; expiresAt: number };
    const frame = commandFrame({ commandId: p.commandId, kind: p.kind, issuedAt: event.ts, expiresAt: p.expiresAt });
    let pushed = false;
    for (const entry of this.#connections) {
      if (entry.conn.kind !== "changes" || entry.conn.machineId !== p.machineId || !entry.subscriber) continue;
      entry.subscriber.offer(frame);
      pushed = true;
    }
    return pushed;
  }

  #deliverReports(rows: ReportRow[]): void {
    for (const row of rows) {
      const message = JSON.stringify({ type: "report", machineId: row.machineId, ts: row.ts, report: row.report, status: row.status });
      for (const entry of this.#connections) {
        if (entry.conn.kind === "dashboard" && entry.conn.vaultId === row.vaultId) entry.subscriber?.offer(message);
      }
    }
  }

  #startHeartbeat(): void {
    if (this.#heartbeat) return;
    this.#heartbeat = setInterval(() => void this.#beat(), this.#options.heartbeatMs);
    this.#heartbeat.unref?.();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  async #beat(): Promise<void> {
    const now = Date.now();
    for (const entry of [...this.#connections]) {
      const { conn } = entry;
      if (now - conn.lastHeard > 2 * this.#options.heartbeatMs) {
        conn.close(1001, "heartbeat timeout");
        this.#connections.delete(entry);
        continue;
      }
      entry.subscriber?.pump();
      try {
        if (!(await conn.stillValid())) {
          conn.close(CLOSE_REVOKED, "credential revoked");
          this.#connections.delete(entry);
          continue;
        }
      } catch (error) {
        this.#log.warn({ err: error }, "socket credential check failed");
      }
      conn.ping();
    }
    if (this.#connections.size === 0) this.#stopHeartbeat();
  }
}

/** Optional member of the server context: hub tuning (tests shorten the heartbeat). */
export interface HubContextExtras {
  hub?: Partial<HubOptions>;
}
