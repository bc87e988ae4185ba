/**
 * The long-running agent (A3, A13, A14, A19, A24): the engine driven by its
 * sources — the watcher (debounced, then the configured delay), the server's
 * change feed (pushed over `/ws/changes`), a periodic full scan — with
 * reports over `/ws/events`, commands from the server obeyed and
 * acknowledged, a local control socket for `status` and the tray, and OS
 * notifications for conflicts. The server being away is a state, not a
 * crash: passes wait and retry with backoff.
 */
import { NetworkError, ServerError } from "../client/http.ts";
import { startControlServer, type ControlCommand, type ControlServer } from "../control/server.ts";
import type { AgentStatus } from "../control/status.ts";
import type { HomePaths } from "../home/paths.ts";
import { TransferBoard } from "../progress/transfers.ts";
import { REPORTS_SCHEMA, Reporter } from "../reports/reporter.ts";
import { startChangeFeed, type ChangeFeed, type FeedCommand } from "../sources/change-feed.ts";
import { startWatcher, type Watcher } from "../sources/watcher.ts";
import { notify } from "../../platform/notify.ts";
import type { ExecutorEvent } from "./executor.ts";
import type { SyncEngine} from "./sync-engine.ts";
import { type PassEvent } from "./sync-engine.ts";
import { openAgent, type OpenAgentOptions } from "./open-agent.ts";
import { SyncMetrics } from "../progress/sync-metrics.ts";
import { ActivityLog, describeAction, someOf } from "../progress/activity-log.ts";

/** Settings of the long-running agent. */
export interface RuntimeOptions {
  /** Wait after the watcher's debounce before syncing local changes, ms (A3). @default 3000 */
  delayMs?: number;
  /** Full scan period, ms. @default 300000 */
  fullScanMs?: number;
  /** Watch the folder (tests may turn it off). @default true */
  watch?: boolean;
  /** Listen on the control socket. @default true */
  control?: boolean;
  /** Show OS notifications for conflicts (A8). @default true */
  notifications?: boolean;
  /** Log lines (local: they may name files). */
  log?: (line: string) => void;
  /** A change waiting longer than this is flagged as lag (E6), ms. @default 60000 */
  lagThresholdMs?: number;
}

const RETRY_MAX_MS = 60_000;
/** Files at least this large report their progress live. */
const PROGRESS_MIN_BYTES = 1 << 20;

/**
 * A report's error text: never a file name or path (they stay on this
 * machine). The error's code or class, and a fixed description.
 * @param error The error.
 * @returns Text safe to send.
 */
export function reportableError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return `File system error ${code}`;
  if (error.name === "IntegrityError" || error.name === "HistoryGapError" || error.name === "UnknownEpochError") return "Integrity check failed: the server's data was refused";
  if (error instanceof ServerError) return `Server refused the change (${error.status})`;
  if (error instanceof NetworkError) return "Server unreachable";
  return error.name && error.name !== "Error" ? error.name : "Sync step failed";
}

/** The agent process. */
export class AgentRuntime {
  readonly board = new TransferBoard();
  /** What woke the agent and what each pass did, lately (the control socket's `activity`). */
  readonly activity = new ActivityLog();
  readonly #metrics: SyncMetrics;
  #engine!: SyncEngine;
  #reporter!: Reporter;
  #feed: ChangeFeed | undefined;
  #watcher: Watcher | undefined;
  #control: ControlServer | undefined;
  #paused = false;
  #connected = false;
  #running = false;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #scanTimer: NodeJS.Timeout | undefined;
  #retryMs = 1000;
  #lastError: string | null = null;
  #lastSyncAt: number | null = null;
  #conflicts = 0;
  #state: AgentStatus["state"] = "idle";
  #closed = false;
  /** Set once every source is up: no pass runs before (see begin). */
  #started = false;
  readonly #seenCommands = new Set<string>();
  #loop: Promise<void> = Promise.resolve();
  #machineName = "";

  private constructor(private readonly options: RuntimeOptions) {
    this.#metrics = new SyncMetrics({ lagThresholdMs: options.lagThresholdMs });
  }

  /**
   * Opens the agent of a home and starts every source.
   * @param open How to open the home (paths, environment, password source).
   * @param options Delays and switches.
   * @returns The running agent.
   */
  static async start(open: OpenAgentOptions, options: RuntimeOptions = {}): Promise<AgentRuntime> {
    const runtime = new AgentRuntime(options);
    const opened = await openAgent({
      ...open,
      engine: {
        ...open.engine,
        schemas: [REPORTS_SCHEMA],
        onEvent: (event) => {
          runtime.onEngineEvent(event);
          open.engine?.onEvent?.(event);
        },
        onBytes: (path, done, total, direction, nodeId) => {
          runtime.board.progress(path, done, total, direction);
          // Live progress for the dashboard (lossy, throttled by the reporter); no path leaves the machine, only the node id.
          if (total >= PROGRESS_MIN_BYTES) void runtime.#reporter?.report({ type: "sync_progress", ...(nodeId ? { nodeId } : {}), bytesDone: done, bytesTotal: total, direction, speedBps: Math.round(runtime.board.totals().bytesPerSecond) });
        },
      },
    });
    runtime.#engine = opened.engine;
    runtime.#machineName = opened.config.machineName;
    await runtime.begin(open.paths, opened.config.serverUrl, opened.token);
    return runtime;
  }

  /** The engine (tests read its trees). */
  get engine(): SyncEngine {
    return this.#engine;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private async begin(paths: HomePaths, serverUrl: string, token: string): Promise<void> {
    // The watcher first: once it watches every folder, a change is either
    // reported by it or already on disk for the first pass's full scan. A pass
    // started before (the change feed's hello) could read a file, miss its next
    // save in a folder not yet watched, and wait for the periodic scan (A3).
    if (this.options.watch !== false) {
      this.#watcher = await startWatcher(this.#engine.root, {
        ignore: (path, isDir) => this.#engine.rules.ignores(path, isDir),
        onChanges: (changed) => {
          this.#metrics.changed();
          this.#engine.noteLocalChanges(changed);
          for (const path of changed) if (this.#engine.cancelDownload(path)) this.log(`download of ${path} cancelled: it changed on this disk`);
          // What this agent wrote itself is looked at again (above) but is no event of the queue.
          const events = [...changed].filter((path) => !this.#engine.wroteItself(path));
          this.activity.add(`watcher: ${changed.size} changed (${changed.size - events.length} own writes): ${someOf(changed)}`);
          void this.#engine.queue.push(events.map((path) => ({ type: "LOCAL_MODIFIED" as const, path, source: "watcher" as const })));
          if (changed.has(".syncignore")) this.schedule(0, "rules changed");
          else this.schedule(this.options.delayMs ?? 3000, "local change");
        },
        onError: (error) => {
          // Events may have been lost: the next pass reads the whole folder.
          this.activity.add(`watcher error: ${error.message}`);
          this.#engine.requestFullScan();
          this.log(`watcher: ${error.message}`);
        },
      });
    }
    this.#reporter = await Reporter.open(this.#engine.db, { onError: (e) => this.log(`report: ${e.message}`) });
    this.#reporter.connect({ serverUrl, token, onFatal: (reason) => this.fatal(reason) });
    this.#feed = startChangeFeed({
      serverUrl,
      token,
      onHello: () => this.schedule(0, "feed hello"),
      onChanges: () => {
        this.#metrics.changed();
        this.schedule(0, "server change");
      },
      onHint: () => this.schedule(0, "server hint"),
      onCommand: (command) => void this.onCommand(command),
      onState: (state) => {
        const connected = state === "open";
        if (connected !== this.#connected) this.activity.add(`feed ${state}`);
        if (connected && !this.#connected) this.schedule(0, "feed connected");
        this.#connected = connected;
      },
      onFatal: (reason) => this.fatal(reason),
      onError: (error) => this.log(`change feed: ${error.message}`),
    });
    if (this.options.control !== false) {
      this.#control = await startControlServer(paths.controlSocket, {
        status: () => this.status(),
        activity: () => this.activity.lines(),
        command: (name) => this.command(name),
      });
    }
    const period = this.options.fullScanMs ?? 300_000;
    this.#scanTimer = setInterval(() => {
      this.#engine.requestFullScan();
      this.schedule(0, "periodic scan");
    }, period);
    this.#scanTimer.unref();
    this.#started = true;
    this.schedule(0, "start");
  }

  private fatal(reason: string): void {
    this.#lastError = `The server refused this machine: ${reason}`;
    this.#state = "error";
    this.log(this.#lastError);
  }

  /**
   * Asks for a pass after `delayMs` (an earlier request wins).
   * @param delayMs Wait, ms.
   * @param why What asks (for the activity log).
   */
  schedule(delayMs: number, why: string): void {
    if (this.#closed) return;
    this.activity.add(`wake: ${why}${delayMs > 0 ? ` in ${delayMs} ms` : ""}${this.#running ? " (pass running)" : ""}`);
    this.#dirty = true;
    if (!this.#started || this.#paused || this.#running) return;
    if (this.#timer) {
      // Keep the earlier deadline.
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#loop = this.runPasses();
    }, delayMs);
  }

  private async runPasses(): Promise<void> {
    if (this.#running || this.#paused || this.#closed) return;
    this.#running = true;
    try {
      while (this.#dirty && !this.#paused && !this.#closed) {
        this.#dirty = false;
        this.#state = "syncing";
        const summary = await this.#engine.syncUntilSettled(20, { fullScan: false, waitUnstable: false, pace: true, retryOutOfSpace: false });
        this.activity.add(`settled after ${summary.passes} passes: ${summary.actions} actions, ${summary.done} done, ${summary.failed} failing${summary.replan ? ", replan" : ""}`);
        this.#retryMs = 1000;
        this.#lastSyncAt = Date.now();
        this.#lastError = this.#engine.failing.find((f) => !f.dead)?.error ?? this.#engine.failing[0]?.error ?? null;
        this.#state = this.#engine.failing.length > 0 || this.#engine.serverBehind || this.#engine.remote.refusals.size > 0 || this.#engine.checkpoints.problem !== null ? "error" : "idle";
        await this.#reporter.report({ type: "state", state: this.#state === "error" ? "error" : "idle", cursor: this.#engine.remote.cursor ?? 0 });
        if (this.#engine.remote.cursor !== null) await this.#reporter.report({ type: "cursor", cursor: this.#engine.remote.cursor });
        if (summary.failed > 0) {
          const next = this.#engine.failures.nextRetryAt();
          if (next !== null) this.retryLater(Math.max(0, next - Date.now()), "retry of a failed item");
        }
        const unstable = this.#engine.nextUnstableAt();
        if (unstable !== null) this.retryLater(Math.max(0, unstable - Date.now()), "a file that was changing");
        if (!this.#dirty) this.#metrics.settled(summary.failed === 0 && unstable === null);
      }
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.#lastError = err.message;
      this.#state = err instanceof NetworkError ? "offline" : "error";
      this.log(`sync: ${err.message}`);
      this.activity.add(`pass stopped: ${err.message}`);
      await this.#reporter.report({ type: "sync_error", message: reportableError(err) }).catch(() => undefined);
      this.retryLater(this.#retryMs, "retry after an error");
      this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
    } finally {
      this.#running = false;
      if (this.#paused) this.#state = "paused";
      if (this.#dirty && !this.#paused && !this.#closed && !this.#timer) this.schedule(0, "changes during the pass");
    }
  }

  private retryLater(ms: number, why: string): void {
    if (this.#closed) return;
    setTimeout(() => this.schedule(0, why), ms).unref();
  }

  private onEngineEvent(event: ExecutorEvent | PassEvent): void {
    switch (event.type) {
      case "synced":
        this.board.finish(event.path, event.direction === "download" ? "download" : "upload");
        this.#metrics.synced(event.direction === "upload" ? "up" : "down");
        break;
      case "conflict":
        this.#conflicts++;
        this.log(`conflict: ${event.path} — your version was kept as ${event.copyPath}`);
        void this.#reporter?.report({ type: "conflict_detected", nodeId: event.nodeId });
        if (this.options.notifications !== false) {
          void notify("SyncAgent: conflict", `${event.path} changed on two machines. Your version was kept as ${event.copyPath.split("/").pop() ?? event.copyPath}.`);
        }
        break;
      case "failed":
        this.#metrics.failed();
        this.board.finish(event.path, "upload");
        this.board.finish(event.path, "download");
        this.log(`failed: ${event.path}: ${event.error.message}`);
        this.activity.add(`failed: ${event.path}: ${event.error.message}`);
        void this.#reporter?.report({ type: "sync_error", message: reportableError(event.error), ...(event.nodeId ? { nodeId: event.nodeId } : {}) });
        break;
      case "refused":
        this.log(`refused from the server: node ${event.refusal.nodeId}: ${event.refusal.message}`);
        void this.#reporter?.report({ type: "sync_error", message: "Integrity check failed: the server's data was refused", nodeId: event.refusal.nodeId });
        break;
      case "server-behind":
        this.log("The server's files are older than what this machine saw: it was probably restored from an old backup (see README, Troubleshooting)");
        break;
      case "pass-started":
        this.#metrics.passStarted();
        break;
      case "local-scan":
        this.activity.add(event.full ? "scan: the whole folder" : `scan: ${event.paths.size} paths${event.changed ? " (changed)" : ""}: ${someOf(event.paths)}`);
        break;
      case "plan-ready":
        this.activity.add(`plan (${event.mode}): ${someOf(event.plan.map(describeAction))}`);
        void this.#reporter?.report({ type: "sync_started", files: event.actions });
        break;
      case "pass-finished":
        this.activity.add(`pass: ${event.actions} actions, ${event.done} done, ${event.failed} failing${event.replan ? ", replan" : ""}, plan ${Math.round(event.planMs)} ms`);
        this.#metrics.passFinished();
        if (event.actions > 0) void this.#reporter?.report({ type: "sync_completed", filesSynced: event.actions });
        break;
      default:
        break;
    }
  }

  private async onCommand(command: FeedCommand): Promise<void> {
    if (this.#seenCommands.has(command.commandId)) return;
    this.#seenCommands.add(command.commandId);
    const kind = command.kind;
    if (kind !== "sync_now" && kind !== "pause" && kind !== "resume") {
      await this.#reporter.ackCommand(command.commandId, false, `Unknown command ${kind.slice(0, 40)}`);
      return;
    }
    await this.command(kind);
    await this.#reporter.ackCommand(command.commandId, true);
  }

  /**
   * Carries out a command (from the server, the control socket or the tray).
   * @param name sync_now, pause or resume.
   * @returns The status after it.
   */
  async command(name: ControlCommand): Promise<AgentStatus> {
    if (name === "pause") {
      this.#paused = true;
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#engine.cancelTransfers();
      this.#state = "paused";
      this.log("paused");
      await this.#reporter.report({ type: "state", state: "paused" });
    } else if (name === "resume") {
      const was = this.#paused;
      this.#paused = false;
      this.#state = "idle";
      if (was) this.log("resumed");
      await this.#reporter.report({ type: "state", state: "idle" });
      this.schedule(0, "resumed");
    } else {
      this.schedule(0, "sync now");
    }
    return this.status();
  }

  /** @returns What the agent is doing (for `status`, the tray). */
  status(): AgentStatus {
    return {
      state: this.#paused ? "paused" : this.#state,
      paused: this.#paused,
      connected: this.#connected,
      queue: this.#engine.queue.size,
      transfers: this.board.active().map((t) => ({ path: t.path, direction: t.direction, bytesDone: t.bytesDone, bytesTotal: t.bytesTotal })),
      lastError: this.#lastError,
      conflicts: this.#conflicts,
      deadLetters: this.#engine.failing.filter((f) => f.dead).map((f) => ({ path: f.path, error: f.error, attempts: f.attempts })),
      cursor: this.#engine.remote.cursor,
      lastSyncAt: this.#lastSyncAt,
      refused: [...this.#engine.remote.refusals.values()].map((r) => ({ nodeId: r.nodeId, message: r.message })),
      serverBehind: this.#engine.serverBehind,
      checkpoint: this.#engine.checkpoints.problem,
      notSynced: [
        ...this.#engine.skipped.map((s) => ({ path: s.path, reason: s.reason === "symlink" ? "a symbolic link (not followed, not synced)" : s.reason === "special" ? "not a regular file or folder" : s.reason === "not-nfc" ? "a name not in Unicode NFC" : "cannot be read" })),
        ...this.#engine.unsyncable.map((u) => ({ path: u.path, reason: u.reason })),
      ],
      metrics: { ...this.#metrics.snapshot(), bytesPerSecond: Math.round(this.board.totals().bytesPerSecond) },
    };
  }

  /** Waits for the pass in progress (tests). */
  async idle(): Promise<void> {
    await this.#loop;
  }

  /** Stops every source, the control socket and the engine. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#scanTimer) clearInterval(this.#scanTimer);
    await this.#watcher?.close();
    await this.#feed?.close();
    await this.#control?.close();
    this.#engine.cancelTransfers();
    await this.#loop.catch(() => undefined);
    await this.#reporter.close();
    await this.#engine.close();
  }

  /** The machine's name. */
  get machineName(): string {
    return this.#machineName;
  }
}
