/**
 * One agent's sync engine (A5, A7, A11): the state database, the three
 * trees, the transfer machinery and the pass that ties them together —
 * pull the change log, scan the disk, plan, execute — repeated until
 * nothing is left to do. The long-running agent (`agent-runtime.ts`) calls
 * `pass()` when a source says something changed; `syncagent sync` calls
 * `syncUntilSettled()` once.
 */
import { CheckpointKeeper } from "../checkpoints/keeper.ts";
import { suspectPaths } from "../checkpoints/suspects.ts";
import type { Client } from "@libsql/client";
import { setMaxListeners } from "node:events";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { UnlockedVault } from "../../crypto/key-file.ts";
import { newNodeId } from "../../crypto/node-id.ts";
import { checkName, type Platform } from "../../platform/names.ts";
import type { HttpTarget } from "../client/http.ts";
import { planSync, type PlanInput } from "../coordinator/plan.ts";
import type { Action, Plan } from "../coordinator/actions.ts";
import type { AgentConfig } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { RemoteTree, type Refusal } from "../remote/remote-tree.ts";
import { compileIgnoreRules, IGNORE_FILE, type IgnoreRules } from "../scan/ignore-rules.ts";
import { rescanPaths, scanFolder, type ScanResult, type SkippedEntry } from "../scan/scan.ts";
import { dirOf } from "../coordinator/tree-paths.ts";
import { openStateDb } from "../state/db.ts";
import { FailureStore, FAILURES_SCHEMA, isOutOfSpace, type Failure } from "../state/failures.ts";
import { META_SCHEMA, MetaStore } from "../state/meta.ts";
import { EventQueue, QUEUE_SCHEMA } from "../state/queue.ts";
import type { RevisionMap } from "../state/revision-map.ts";
import { loadTrees, RemoteTreeStore, SyncedTreeStore, TREES_SCHEMA } from "../state/trees.ts";
import { CHUNK_INDEX_SCHEMA, ChunkIndex } from "../transfer/chunk-index.ts";
import { Downloader } from "../transfer/downloader.ts";
import { isTempName, removeTemp } from "../transfer/temp-files.ts";
import { UPLOAD_PROGRESS_SCHEMA, UploadProgressStore } from "../transfer/upload-progress.ts";
import { Uploader } from "../transfer/uploader.ts";
import type { SyncedNode } from "../tree/nodes.ts";
import { Executor, type ExecutionResult, type ExecutorEvent } from "./executor.ts";
import { pause, paceMs } from "./pace.ts";
import { failingByNode, mootFailures } from "./moot-failures.ts";
import { markQuiet, quietPlan, type PlanInputs, type QuietMark } from "./quiet-plan.ts";
import { focusLimit, PlanFocus } from "./plan-focus.ts";
import { focusPlanInput } from "../coordinator/scope.ts";

/** What opening an engine needs. */
export interface EngineOptions {
  config: AgentConfig;
  paths: HomePaths;
  token: string;
  vault: UnlockedVault;
  /** Extra schemas of the state database (the reporter's outbox). */
  schemas?: readonly (readonly string[])[];
  /** Where events go (log, reports, status). */
  onEvent?: (event: ExecutorEvent | PassEvent) => void;
  /** Chunk sizes (tests use small ones). */
  chunkSizes?: { minSize?: number; avgSize?: number; maxSize?: number };
  /** Attempts before a failing path is a dead letter. @default 5 */
  maxRetries?: number;
  /** fetch to use (tests count requests). */
  fetch?: typeof fetch;
  /** Progress of each file in transfer (A9): plaintext bytes done of total, and the file's node. */
  onBytes?: (path: string, done: number, total: number, direction: "upload" | "download", nodeId?: string) => void;
  /** Least time between two published tree checkpoints, ms (0: at every settled pass, as a one-shot `sync`). @default 10000 */
  checkpointEveryMs?: number;
}

/** Events of the pass itself. */
export type PassEvent =
  | { type: "pass-started" }
  | { type: "plan-ready"; actions: number; plan: readonly Action[]; mode: "same" | "focused" | "full" }
  | { type: "local-scan"; full: boolean; paths: ReadonlySet<string>; changed: boolean }
  | { type: "pass-finished"; actions: number; done: number; failed: number; replan: boolean; planMs: number }
  | { type: "refused"; refusal: Refusal }
  | { type: "server-behind" }
  | { type: "key-file-changed" }
  | { type: "checkpoint-failed"; message: string };

/** The outcome of one pass. */
export interface PassSummary {
  /** Actions planned. */
  actions: number;
  /** Steps carried out. */
  done: number;
  /** Paths failing after this pass. */
  failed: number;
  /** Something moved meanwhile: pass again. */
  replan: boolean;
  /** Names this machine cannot write. */
  unsyncable: Plan["unsyncable"];
  skipped: SkippedEntry[];
  /** False when nothing changed since a pass that had nothing to do: its answer was taken without planning. */
  planned: boolean;
  /** How long planning took, ms (0 when it was not needed). */
  planMs: number;
}

/** Consecutive passes a path's commit may be refused as "moved on" before it counts as a failure. */
const MAX_BOUNCES = 3;

/** How long a file that changed while it was read is left alone: it is being written. */
const UNSTABLE_WAIT_MS = 1500;

/** How long after its own write the watcher's event for a path counts as that write's echo, ms. */
const OWN_WRITE_ECHO_MS = 10_000;

function platformOf(): Platform {
  return process.platform === "win32" ? "win32" : process.platform === "darwin" ? "darwin" : "linux";
}

/** The engine of one agent home. */
export class SyncEngine {
  readonly target: HttpTarget;
  readonly root: string;
  #vault: UnlockedVault;
  #passing: Promise<PassSummary> | null = null;
  #lastSkipped: SkippedEntry[] = [];
  #lastUnsyncable: Plan["unsyncable"] = [];
  #serverBehind = false;
  #rules: IgnoreRules = compileIgnoreRules("");
  /** `.syncignore` may have changed since it was read: read it at the next pass. */
  #rulesStale = true;
  #abort = SyncEngine.passController();
  #executor: Executor | null = null;
  /** The last scan, patched pass by pass with the paths that changed; a full scan replaces it. */
  #scan: ScanResult | null = null;
  #dirty = new Set<string>();
  #fullScanDue = true;
  /**
   * Temp files a crash may have left are still to be removed: the first full scan, which comes before
   * this engine starts any download, lists them (one walk of the folder, not two).
   */
  #leftoverTemps = true;
  /** Files that changed while being read, and when to try them again (they are being written). */
  readonly #unstable = new Map<string, number>();
  /** Paths whose commit the server refused as "moved on" in consecutive passes, and how many times. */
  readonly #bounces = new Map<string, number>();
  /** Checks the tree against other machines' checkpoints and publishes this one's (C6). */
  readonly checkpoints: CheckpointKeeper;
  /** The inputs of the last plan, when it had nothing to do and nothing ran since. */
  #quiet: QuietMark | null = null;
  /** Paths this engine wrote on disk, and when: the watcher's events for them are echoes. */
  readonly #ownWrites = new Map<string, number>();
  /** What the last full plan did not find at rest and what changed since, so a pass may plan only around it. */
  readonly #focus: PlanFocus;
  /** Paths a full disk failed during this `syncUntilSettled` (null: not kept). */
  #outOfSpace: Set<string> | null = null;
  /** Paths tried again in this pass whatever their backoff says, one download at a time (after a full disk). */
  #retrying: ReadonlySet<string> | null = null;

  private constructor(
    readonly options: EngineOptions,
    readonly db: Client,
    readonly remote: RemoteTree,
    readonly synced: RevisionMap<string, SyncedNode>,
    readonly syncedStore: SyncedTreeStore,
    readonly failures: FailureStore,
    readonly queue: EventQueue,
    readonly meta: MetaStore,
    readonly index: ChunkIndex,
    readonly uploader: Uploader,
    readonly downloader: Downloader,
    /** The node of each path while its content transfers (filled by the executor). */
    readonly transferring: Map<string, string>,
  ) {
    this.target = { serverUrl: options.config.serverUrl, token: options.token, ...(options.fetch ? { fetch: options.fetch } : {}) };
    this.root = options.config.syncFolder;
    this.#vault = options.vault;
    this.#focus = new PlanFocus(synced, remote.nodes);
    this.checkpoints = new CheckpointKeeper({
      machineId: options.config.machineId,
      meta,
      ...(options.checkpointEveryMs === undefined ? {} : { publishEveryMs: options.checkpointEveryMs }),
    });
  }

  /**
   * Opens the state database and every store (temp files a crash left are removed by the first pass's scan).
   * @param options Config, token, keys.
   * @returns The engine.
   */
  static async open(options: EngineOptions): Promise<SyncEngine> {
    const db = await openStateDb(options.paths.stateDb, [TREES_SCHEMA, META_SCHEMA, FAILURES_SCHEMA, QUEUE_SCHEMA, CHUNK_INDEX_SCHEMA, UPLOAD_PROGRESS_SCHEMA, ...(options.schemas ?? [])]);
    const meta = await MetaStore.open(db);
    const trees = await loadTrees(db);
    const remoteStore = await RemoteTreeStore.open(db, trees.remote);
    const remote = await RemoteTree.load(remoteStore, meta, options.vault.keyring);
    const syncedStore = await SyncedTreeStore.open(db);
    const synced = trees.synced;
    const failures = await FailureStore.open(db, { maxRetries: options.maxRetries ?? 5, initialMs: 1000, maxMs: 60_000 });
    const queue = await EventQueue.open(db);
    const index = await ChunkIndex.open(db);
    const progress = await UploadProgressStore.open(db);
    const target: HttpTarget = { serverUrl: options.config.serverUrl, token: options.token, ...(options.fetch ? { fetch: options.fetch } : {}) };
    const onBytes = options.onBytes;
    const transferring = new Map<string, string>();
    const uploader = new Uploader({
      client: target,
      keyring: options.vault.keyring,
      progress,
      index,
      ...(options.chunkSizes ? { chunkSizes: options.chunkSizes } : {}),
      ...(onBytes ? { onBytes: (path: string, done: number, total: number) => onBytes(path, done, total, "upload", transferring.get(path)) } : {}),
    });
    const downloader = new Downloader({
      client: target,
      keyring: options.vault.keyring,
      index,
      root: options.config.syncFolder,
      ...(onBytes ? { onBytes: (path: string, done: number, total: number) => onBytes(path, done, total, "download", transferring.get(path)) } : {}),
    });
    return new SyncEngine(options, db, remote, synced, syncedStore, failures, queue, meta, index, uploader, downloader, transferring);
  }

  /** The vault in use. */
  get vault(): UnlockedVault {
    return this.#vault;
  }

  /** The `.syncignore` rules of the last pass. */
  get rules(): IgnoreRules {
    return this.#rules;
  }

  /** Entries skipped by the last scan (symlinks, special files). */
  get skipped(): SkippedEntry[] {
    return this.#lastSkipped;
  }

  /** Remote names this platform cannot write, from the last pass. */
  get unsyncable(): Plan["unsyncable"] {
    return this.#lastUnsyncable;
  }

  /** True when the server's tree was found behind what this machine saw (restored from an old backup). */
  get serverBehind(): boolean {
    return this.#serverBehind;
  }

  /** Forgets that the server was found behind (after a re-seed). */
  clearServerBehind(): void {
    this.#serverBehind = false;
  }

  /** Failing paths and dead letters. */
  get failing(): Failure[] {
    return this.failures.list();
  }

  /**
   * A local change to a path: cancels its download if one runs (A11).
   * @param path Relative path.
   * @returns True when a download was cancelled.
   */
  cancelDownload(path: string): boolean {
    return this.#executor?.cancelDownload(path) ?? false;
  }

  /**
   * Whether this engine itself just wrote the path (a download, a local move
   * or deletion it made): the watcher's event for it is its own echo, not a
   * change to queue. Each write answers once; one older than a few seconds
   * answers no more.
   * @param path Relative path.
   * @returns True for the echo of its own write.
   */
  wroteItself(path: string): boolean {
    const at = this.#ownWrites.get(path);
    if (at === undefined) return false;
    this.#ownWrites.delete(path);
    return Date.now() - at <= OWN_WRITE_ECHO_MS;
  }

  /**
   * Paths the watcher saw change: the next pass looks at them again (and
   * reuses the rest of the last scan).
   * @param paths Relative paths.
   */
  noteLocalChanges(paths: Iterable<string>): void {
    for (const p of paths) {
      this.#dirty.add(p);
      if (p === IGNORE_FILE) this.#rulesStale = true;
    }
  }

  /** The next pass scans the whole folder (the periodic backstop, A3, or a watcher that lost events). */
  requestFullScan(): void {
    this.#fullScanDue = true;
    this.#rulesStale = true;
  }

  /** @returns The scan, and whether paths looked at again changed it (a full scan is a new scan). */
  private async scanLocal(rules: IgnoreRules, rulesChanged: boolean): Promise<{ scan: ScanResult; changed: boolean }> {
    const options = { rules, isInternalName: isTempName };
    if (!this.#scan || this.#fullScanDue || rulesChanged) {
      this.#fullScanDue = false;
      this.#dirty = new Set();
      this.#focus.fullScan();
      const leftovers: string[] = [];
      this.#scan = await scanFolder(this.root, this.#leftoverTemps ? { ...options, onInternal: (path) => leftovers.push(path) } : options);
      this.#leftoverTemps = false;
      for (const path of leftovers) await removeTemp(join(this.root, ...path.split("/"))).catch(() => undefined);
      this.emit({ type: "local-scan", full: true, paths: new Set(), changed: true });
      return { scan: this.#scan, changed: true };
    }
    // A file left alone while it was changing is looked at again once its wait is over.
    for (const [path, until] of this.#unstable) if (until <= Date.now()) this.#dirty.add(path);
    const paths = this.#dirty;
    this.#dirty = new Set();
    let changed = false;
    if (paths.size > 0) {
      this.#focus.notePaths(paths);
      try {
        changed = await rescanPaths(this.root, this.#scan, paths, options);
      } catch (error) {
        this.#scan = null;
        throw error;
      }
      this.emit({ type: "local-scan", full: false, paths, changed });
    }
    return { scan: this.#scan, changed };
  }

  private noteOwnChanges(plan: Plan): void {
    // What the executor wrote on disk: looked at again next pass.
    for (const a of plan.actions) {
      if (("path" in a && a.path === IGNORE_FILE) || (a.type === "move-local" && (a.from === IGNORE_FILE || a.to === IGNORE_FILE))) this.#rulesStale = true;
      if (a.type === "download" || a.type === "mkdir" || a.type === "delete-local") this.#dirty.add(a.path);
      else if (a.type === "move-local") {
        this.#dirty.add(a.from);
        this.#dirty.add(a.to);
      } else if (a.type === "set-aside" || (a.type === "upload" && a.compareWith)) {
        // A conflict copy got a new name beside it: read its folder again.
        const dir = dirOf(a.path);
        if (dir === "") this.#fullScanDue = true;
        else this.#dirty.add(dir);
      }
    }
  }

  /** @returns When the earliest file that was changing may be tried again (ms), or null. */
  nextUnstableAt(): number | null {
    let next: number | null = null;
    for (const until of this.#unstable.values()) if (next === null || until < next) next = until;
    return next;
  }

  /** Cancels running transfers (pause, shutdown); the next pass starts clean. */
  cancelTransfers(): void {
    this.#abort.abort(new Error("Transfers cancelled"));
    this.#abort = SyncEngine.passController();
  }

  /** A pass's controller: every request of the pass listens to it, so no listener limit. */
  private static passController(): AbortController {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  }

  private emit(event: ExecutorEvent | PassEvent): void {
    this.options.onEvent?.(event);
  }

  /**
   * The rules of `.syncignore`, read again only when it may have changed (the
   * watcher saw it, this agent wrote or moved it, or a full scan is due): a
   * pass of the running agent does not read a file it knows is unchanged.
   */
  private async readRules(): Promise<IgnoreRules> {
    if (!this.#rulesStale) return this.#rules;
    this.#rulesStale = false;
    try {
      return compileIgnoreRules(await readFile(join(this.root, IGNORE_FILE), "utf8"));
    } catch {
      return compileIgnoreRules("");
    }
  }

  /**
   * One pass: pull, scan, plan, execute. Passes never overlap: a call while
   * one runs waits for it and returns its summary.
   * @returns What the pass did.
   */
  pass(): Promise<PassSummary> {
    if (this.#passing) return this.#passing;
    this.#passing = this.runPass().finally(() => {
      this.#passing = null;
    });
    return this.#passing;
  }

  private async runPass(): Promise<PassSummary> {
    const started = Date.now();
    for (const [path, at] of this.#ownWrites) if (started - at > OWN_WRITE_ECHO_MS) this.#ownWrites.delete(path);
    this.emit({ type: "pass-started" });
    const pulled = await this.remote.pull(this.target);
    for (const refusal of pulled.refused) this.emit({ type: "refused", refusal });
    if (pulled.serverBehind) {
      this.#serverBehind = true;
      this.emit({ type: "server-behind" });
    }
    if (pulled.keyFileChanged) this.emit({ type: "key-file-changed" });
    if (this.remote.cursor !== null) {
      const outcome = await this.checkpoints.check(this.target, this.#vault.keyring, this.remote.nodes, this.remote.cursor);
      if (outcome.checked?.result.status === "failed") this.emit({ type: "checkpoint-failed", message: this.checkpoints.problem ?? "" });
    }
    const suspect = suspectPaths(this.checkpoints.suspects, this.remote.nodes, this.synced);
    const rules = await this.readRules();
    const rulesChanged = rules.source !== this.#rules.source;
    this.#rules = rules;
    const { scan, changed: localChanged } = await this.scanLocal(rules, rulesChanged);
    this.#lastSkipped = scan.skipped;
    const unreadable = scan.skipped.filter((s) => s.reason === "unreadable").map((s) => s.path);
    const now = Date.now();
    const platform = platformOf();
    const inputs: PlanInputs = {
      remote: this.remote.revision,
      synced: this.synced.revision,
      failures: this.failures.revision,
      scan,
      rules: rules.source,
      suspects: this.checkpoints.suspects,
      at: now,
      localChanged,
      unstable: this.#unstable.size,
      retryDue: (from, to) => this.failures.dueBetween(from, to),
    };
    const retrying = this.#retrying;
    const quiet = retrying === null ? quietPlan(this.#quiet, inputs) : null;
    const planStarted = performance.now();
    const full: PlanInput = {
      synced: this.synced,
      remote: this.remote.nodes,
      local: scan.entries,
      skip: (path, isDir) =>
        rules.ignores(path, isDir) ||
        (suspect !== null && suspect(path)) ||
        (this.failures.blocked(path, now) && !(retrying?.has(path) ?? false)) ||
        (this.#unstable.get(path) ?? 0) > now ||
        unreadable.some((u) => path === u || path.startsWith(u + "/")),
      nameProblem: (name) => {
        const check = checkName(name, platform);
        return check.ok ? null : check.reason.message;
      },
      newNodeId,
    };
    // After a full plan, only what it did not find at rest and what changed since (and around them) is planned.
    const limit = focusLimit(this.synced.size, scan.entries.size);
    const changes = quiet === null && retrying === null ? this.#focus.changes(inputs, this.failures.list().length, limit) : null;
    const focused = changes === null ? null : focusPlanInput(full, changes, limit);
    let plan: Plan;
    if (quiet !== null) plan = quiet;
    else if (focused === null) plan = planSync(full);
    else {
      const narrow = planSync(focused);
      plan = { actions: narrow.actions, unsyncable: this.#focus.unsyncable(narrow, focused) };
    }
    const planMs = quiet === null ? performance.now() - planStarted : 0;
    this.#quiet = markQuiet(plan, inputs);
    this.#focus.planned(plan, inputs, quiet !== null ? "same" : focused !== null ? "focused" : "full");
    this.#lastUnsyncable = plan.unsyncable;
    if (plan.actions.length > 0) this.emit({ type: "plan-ready", actions: plan.actions.length, plan: plan.actions, mode: quiet !== null ? "same" : focused !== null ? "focused" : "full" });
    const failingBefore = this.failures.list();
    const byNode = failingBefore.length > 0 ? failingByNode(failingBefore) : undefined;
    const executor = new Executor({
      root: this.root,
      target: this.target,
      keyring: () => this.#vault.keyring,
      machineId: this.options.config.machineId,
      machineName: this.options.config.machineName,
      uploader: this.uploader,
      downloader: this.downloader,
      transferring: this.transferring,
      index: this.index,
      synced: this.synced,
      syncedStore: this.syncedStore,
      remote: this.remote,
      oneAtATime: retrying !== null,
      onEvent: (event) => {
        if (event.type === "failed") {
          const full = isOutOfSpace(event.error);
          if (full) this.#outOfSpace?.add(event.path);
          bookkeeping.push(this.failures.fail(event.path, event.nodeId, event.error.message, Date.now(), { keepTrying: full }).then(() => undefined));
        }
        else if (event.type === "synced") {
          if (event.direction !== "upload") this.#ownWrites.set(event.path, Date.now());
          this.#outOfSpace?.delete(event.path);
          if (this.failures.has(event.path)) bookkeeping.push(this.failures.clear(event.path));
          // The node synced: what failed for it at another path (its old place) is settled too.
          for (const path of byNode?.get(event.nodeId) ?? []) if (path !== event.path && this.failures.has(path)) bookkeeping.push(this.failures.clear(path));
        }
        this.emit(event);
      },
    });
    const bookkeeping: Promise<void>[] = [];
    let result;
    this.#executor = executor;
    try {
      result = await executor.run(plan, this.#abort.signal);
    } finally {
      this.#executor = null;
      await Promise.all(bookkeeping);
      // Also when the run stopped (the server went away): what it wrote before that is on disk and in the
      // synced tree, and the watcher took it for our own echo, so only this makes the next scan see it.
      this.noteOwnChanges(plan);
    }
    if (quiet === null) {
      for (const path of mootFailures(failingBefore, plan, now)) if (!result.failed.has(path) && this.failures.has(path)) await this.failures.clear(path);
    }
    for (const [path, until] of this.#unstable) if (until <= now) this.#unstable.delete(path);
    for (const path of result.unstable) {
      this.#unstable.set(path, Date.now() + UNSTABLE_WAIT_MS);
      this.#dirty.add(path);
    }
    await this.noteBounced(result);
    await this.queue.settle(started, result.failed);
    if (plan.actions.length === 0 && result.failed.size === 0 && this.remote.cursor !== null) {
      // Settled: the verified tree is exactly the one at the cursor (C6).
      await this.checkpoints.publish(this.target, this.#vault.keyring, this.remote.nodes, this.remote.cursor);
    }
    const summary: PassSummary = {
      actions: plan.actions.length,
      done: result.done,
      failed: result.failed.size,
      replan: result.replan,
      unsyncable: plan.unsyncable,
      skipped: scan.skipped,
      planned: quiet === null,
      planMs,
    };
    this.emit({ type: "pass-finished", actions: summary.actions, done: summary.done, failed: summary.failed, replan: summary.replan, planMs });
    return summary;
  }

  /**
   * A commit the server refuses as "moved on" makes the next pass pull and
   * plan again; when the same path bounces pass after pass (the server holds
   * something there that this machine cannot see, e.g. a node it leaves out
   * of its listings), it becomes a failure like any other, with its backoff,
   * instead of a pass loop.
   * @param result The executor's result.
   */
  private async noteBounced(result: ExecutionResult): Promise<void> {
    for (const path of this.#bounces.keys()) if (!result.bounced.has(path)) this.#bounces.delete(path);
    for (const [path, { nodeId, status }] of result.bounced) {
      const times = (this.#bounces.get(path) ?? 0) + 1;
      this.#bounces.set(path, times);
      if (times < MAX_BOUNCES) continue;
      this.#bounces.delete(path);
      result.failed.add(path);
      await this.failures.fail(path, nodeId, `The server refused this change ${MAX_BOUNCES} times in a row (${status}) although this machine's view of it was fresh`);
    }
  }

  /**
   * Passes until a pass plans nothing (or only failing paths remain).
   * @param maxPasses Bound on passes. @default 50
   * @param options `fullScan`: read the whole folder at each pass (a one-shot `sync`); the
   *   long-running agent passes false and relies on the watcher's paths. @default true.
   *   `waitUnstable`: wait for files that changed while read to settle. @default true
   *   `pace`: after a pass that did something, wait a few times its plan's duration before
   *   the next (`pace.ts`; the running agent, while changes keep arriving). @default false
   *   `retryOutOfSpace`: once settled, try the downloads a full disk failed during this call once
   *   more, one at a time, smallest first (a one-shot `sync`; the running agent retries them at
   *   their backoff). @default true
   * @returns The last pass's summary and how many passes ran.
   */
  async syncUntilSettled(
    maxPasses = 50,
    options: { fullScan?: boolean; waitUnstable?: boolean; pace?: boolean; retryOutOfSpace?: boolean } = {},
  ): Promise<PassSummary & { passes: number }> {
    let last: PassSummary | undefined;
    this.#outOfSpace = options.retryOutOfSpace === false ? null : new Set();
    try {
      for (let i = 1; i <= maxPasses; i++) {
        // Without a watcher, every pass reads the whole folder: a change made during a pass is seen by the next.
        if (options.fullScan !== false) this.requestFullScan();
        last = await this.pass();
        this.#retrying = null;
        const progress = last.done > 0 || last.replan;
        if (!progress || last.actions === 0) {
          // A file still being written: a one-shot sync waits for it to settle (the agent retries later instead).
          const next = options.waitUnstable === false ? null : this.nextUnstableAt();
          if (next === null) {
            // A full disk failed downloads side by side: the big one's temp file took the last free bytes, and is
            // gone now. Each is tried once more, so what fits arrives in this run (E4).
            const full = this.#outOfSpace;
            if (full === null || full.size === 0 || i === maxPasses) return { ...last, passes: i };
            this.#outOfSpace = null;
            this.#retrying = full;
            continue;
          }
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now()) + 10));
        } else if (options.pace === true && i < maxPasses) {
          await pause(paceMs(last.planMs), this.#abort.signal);
        }
      }
    } finally {
      this.#outOfSpace = null;
      this.#retrying = null;
    }
    return { ...last!, passes: maxPasses };
  }

  /**
   * Replaces the keys (the key file changed: a new epoch or password).
   * @param vault The vault as it opens from the new key file.
   */
  setVault(vault: UnlockedVault): void {
    this.#vault = vault;
    this.remote.setKeyring(vault.keyring);
  }

  /** Stops transfers and closes the database. */
  async close(): Promise<void> {
    this.cancelTransfers();
    await this.#passing?.catch(() => undefined);
    await this.uploader.close();
    await this.downloader.close();
    await this.index.flush();
    this.db.close();
  }
}
