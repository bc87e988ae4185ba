/**
 * Carries out a plan (A6, A8, A11, A12, A16): local set-asides, folders and
 * moves first, then the commits of folders, moves and deletions, then
 * uploads and downloads side by side (commits batched as uploads finish),
 * then local deletions, deepest first. Every step re-checks the disk before
 * it touches it; a step that finds the world changed is dropped and the next
 * pass plans again. A failing step fails alone.
 */
import { lstat, mkdir, rename, rmdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Keyring } from "../../crypto/keyring.ts";
import { IntegrityError } from "../../crypto/errors.ts";
import { newNodeId } from "../../crypto/node-id.ts";
import { commitItems, MAX_COMMIT_ITEMS, type CommitResult } from "../client/files.ts";
import { NetworkError, ServerError, type HttpTarget } from "../client/http.ts";
import { conflictCopyName } from "../conflicts/conflict-name.ts";
import type { Action, DownloadAction, Plan, UploadAction } from "../coordinator/actions.ts";
import { dirOf, joinPath, nameOf } from "../coordinator/tree-paths.ts";
import type { RemoteTree } from "../remote/remote-tree.ts";
import { isOutOfSpace } from "../state/failures.ts";
import type { SyncedTreeStore } from "../state/trees.ts";
import type { ChunkIndex } from "../transfer/chunk-index.ts";
import type { Downloader } from "../transfer/downloader.ts";
import { FileChangedError, LocalChangedError } from "../transfer/file-stamp.ts";
import type { Uploader } from "../transfer/uploader.ts";
import type { LocalStamp, RemoteNode, SyncedNode } from "../tree/nodes.ts";
import { prepareCommit, type PreparedCommit } from "./commit-item.ts";
import { eachLimited } from "./each-limited.ts";

/** What the executor reports as it goes (the engine turns these into reports, logs and status). */
export type ExecutorEvent =
  | { type: "synced"; nodeId: string; path: string; direction: "upload" | "download" | "local" }
  | { type: "conflict"; nodeId: string; path: string; copyPath: string }
  | { type: "failed"; nodeId: string | null; path: string; error: Error };

/** What the executor needs. */
export interface ExecutorDeps {
  root: string;
  target: HttpTarget;
  keyring: () => Keyring;
  machineId: string;
  machineName: string;
  uploader: Uploader;
  downloader: Downloader;
  index: ChunkIndex;
  synced: Map<string, SyncedNode>;
  syncedStore: SyncedTreeStore;
  remote: RemoteTree;
  onEvent: (event: ExecutorEvent) => void;
  now?: () => Date;
  /** The node of each path while its content transfers (progress reports name it). */
  transferring?: Map<string, string>;
  /**
   * Downloads one at a time, smallest first, up to the first that finds the disk full (the bigger ones left
   * would not fit either): another try for downloads a full disk failed, where side by side the big one's
   * temp file could take the space again. @default false
   */
  oneAtATime?: boolean;
}

/** How a plan went. */
export interface ExecutionResult {
  /** Steps done. */
  done: number;
  /** Something changed meanwhile or the server refused a stale base: plan again soon. */
  replan: boolean;
  /** Paths that failed in this run. */
  failed: Set<string>;
  /** Files that changed while they were read: uploaded once they stop changing. */
  unstable: Set<string>;
  /** Commits the server refused because it moved on (conflict, name taken…), by path: the engine bounds how often. */
  bounced: Map<string, { nodeId: string; status: string }>;
}

/**
 * Files handed to the uploader or downloader at once: enough to fill their
 * shared batches, few enough that waiting in their budgets stays cheap.
 */
const IN_FLIGHT_FILES = 2048;

function stampOf(st: { ino: number; size: number; mtimeMs: number; mode: number }, isDir: boolean): LocalStamp {
  return { ino: st.ino, size: isDir ? 0 : st.size, mtimeMs: isDir ? 0 : st.mtimeMs, mode: st.mode & 0o7777 };
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function asSynced(r: RemoteNode, stamp: LocalStamp): SyncedNode {
  return { nodeId: r.nodeId, parentId: r.parentId, name: r.name, kind: r.kind === "dir" ? "dir" : "file", version: r.version, hash: r.hash, content: r.content, stamp };
}

/** Runs plans against the disk and the server. */
export class Executor {
  #result: ExecutionResult = { done: 0, replan: false, failed: new Set(), unstable: new Set(), bounced: new Map() };
  /** Downloads in flight by path: a local change to the path cancels its download (A11). */
  readonly #downloading = new Map<string, AbortController>();
  readonly #syncedPut = new Map<string, SyncedNode>();
  readonly #syncedDrop = new Set<string>();
  /** Local moves done in this run (from → to): later steps under a moved folder follow it. */
  #moved: Array<[string, string]> = [];
  /** Whether each download folder (relative path) is there, looked at once per run: one `lstat` per folder, not per file. */
  #folders = new Map<string, Promise<boolean>>();

  /**
   * @param deps Disk, server, stores and the event sink.
   */
  constructor(private readonly deps: ExecutorDeps) {}

  /**
   * Runs one plan.
   * @param plan The plan.
   * @param signal Cancels transfers (pause, shutdown).
   * @returns How it went.
   */
  async run(plan: Plan, signal?: AbortSignal): Promise<ExecutionResult> {
    this.#result = { done: 0, replan: false, failed: new Set(), unstable: new Set(), bounced: new Map() };
    this.#moved = [];
    this.#folders = new Map();
    const onAbort = () => {
      for (const ctl of this.#downloading.values()) ctl.abort(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const by = <T extends Action["type"]>(type: T) => plan.actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);
    try {
      for (const a of by("set-aside")) await this.step(a.path, a.nodeId, async () => void (await this.setAside(a.path)));
      for (const a of by("forget")) {
        this.dropSynced(a.nodeId);
        this.#result.done++;
      }
      for (const a of by("adopt")) {
        this.putSynced(a.node);
        this.#result.done++;
      }
      for (const a of by("mkdir")) await this.step(a.path, a.nodeId, () => this.mkdirLocal(a.path, a.remote));
      await this.moveLocal(by("move-local"));
      await this.commitPlaces(plan);
      await this.flushSynced();
      // Both run to their end before a failure of either stops the run: a download still writing once the
      // pass has ended would record a file the next pass's scan did not see.
      const transfers = await Promise.allSettled([this.uploads(by("upload"), signal), this.downloads(by("download"), signal)]);
      for (const t of transfers) if (t.status === "rejected") throw t.reason;
      for (const a of by("delete-local")) await this.step(a.path, a.nodeId, () => this.deleteLocal(a));
    } finally {
      signal?.removeEventListener("abort", onAbort);
      await this.flushSynced();
    }
    return this.#result;
  }

  private async step(path: string, nodeId: string | null, work: () => Promise<void>): Promise<void> {
    try {
      await work();
      this.#result.done++;
    } catch (error) {
      this.fail(path, nodeId, error);
    }
  }

  private fail(path: string, nodeId: string | null, error: unknown): void {
    if (error instanceof FileChangedError) {
      this.#result.unstable.add(path);
      this.#result.replan = true;
      return;
    }
    if (error instanceof LocalChangedError) {
      this.#result.replan = true;
      return;
    }
    if (error instanceof NetworkError) throw error; // the server is away: the whole pass stops
    const err = error instanceof Error ? error : new Error(String(error));
    this.#result.failed.add(path);
    this.deps.onEvent({ type: "failed", nodeId, path, error: err });
  }

  private putSynced(node: SyncedNode): void {
    this.deps.synced.set(node.nodeId, node);
    this.#syncedPut.set(node.nodeId, node);
    this.#syncedDrop.delete(node.nodeId);
  }

  private dropSynced(nodeId: string): void {
    this.deps.synced.delete(nodeId);
    this.#syncedPut.delete(nodeId);
    this.#syncedDrop.add(nodeId);
  }

  private async flushSynced(): Promise<void> {
    if (this.#syncedPut.size === 0 && this.#syncedDrop.size === 0) return;
    const put = [...this.#syncedPut.values()];
    const drop = [...this.#syncedDrop];
    this.#syncedPut.clear();
    this.#syncedDrop.clear();
    await this.deps.syncedStore.write(put, drop);
  }

  private abs(path: string): string {
    return join(this.deps.root, ...this.follow(path).split("/"));
  }

  /**
   * Where a path planned before this run's local moves is now.
   * @param path A path as planned.
   * @returns The path after the moves of folders above it.
   */
  private follow(path: string): string {
    let p = path;
    for (const [was, now] of this.#moved) if (p === was || p.startsWith(was + "/")) p = now + p.slice(was.length);
    return p;
  }

  private async freeName(dir: string, name: string): Promise<string> {
    const when = (this.deps.now ?? (() => new Date()))();
    for (let attempt = 0; ; attempt++) {
      const candidate = conflictCopyName(name, this.deps.machineName, when, attempt);
      if (!(await exists(this.abs(joinPath(dir, candidate))))) return candidate;
    }
  }

  private async setAside(path: string): Promise<string> {
    const copy = joinPath(dirOf(path), await this.freeName(dirOf(path), nameOf(path)));
    await rename(this.abs(path), this.abs(copy));
    await this.deps.index.movePrefix(path, copy);
    return copy;
  }

  private async mkdirLocal(path: string, remote: RemoteNode): Promise<void> {
    const abs = this.abs(path);
    try {
      await mkdir(abs, { mode: (remote.content.mode & 0o777) || 0o755 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const st = await lstat(abs);
      if (!st.isDirectory()) throw new LocalChangedError(`${path} is no longer free`);
    }
    this.putSynced(asSynced(remote, stampOf(await lstat(abs), true)));
    this.deps.onEvent({ type: "synced", nodeId: remote.nodeId, path, direction: "download" });
  }

  private async moveLocal(moves: Array<Extract<Action, { type: "move-local" }>>): Promise<void> {
    for (const a of moves) {
      // A folder moved earlier in this run carried this entry with it.
      const from = this.follow(a.from);
      await this.step(a.to, a.nodeId, async () => {
        const to = join(this.deps.root, ...a.to.split("/"));
        if (await exists(to)) throw new LocalChangedError(`${a.to} is taken`);
        // Its folder must be there already (made or moved earlier in the run): making it here
        // could duplicate a folder that is itself still to move, so a missing one waits for the next pass.
        const folder = await lstat(join(this.deps.root, ...dirOf(a.to).split("/"))).catch(() => null);
        if (!folder?.isDirectory()) throw new LocalChangedError(`${dirOf(a.to)} is not there yet`);
        await rename(join(this.deps.root, ...from.split("/")), to);
        await this.deps.index.movePrefix(from, a.to);
        // The stamp the plan saw: a rename keeps it, and an edit made here still shows next pass (A16).
        this.putSynced(a.next);
        this.#moved.push([from, a.to]);
        this.deps.onEvent({ type: "synced", nodeId: a.nodeId, path: a.to, direction: "download" });
      });
    }
  }

  /** Folders created, moves and deletions: committed top-down before the file uploads that may need them. */
  private async commitPlaces(plan: Plan): Promise<void> {
    const keys = this.deps.keyring().current;
    const prepared: Array<{ commit: PreparedCommit; path: string; after: (node: RemoteNode) => void }> = [];
    for (const a of plan.actions) {
      if (a.type === "place") {
        const commit = await prepareCommit(keys, {
          nodeId: a.nodeId,
          kind: a.kind,
          placement: a.placement,
          content: a.content,
          baseVersion: a.baseVersion,
          baseHash: a.baseHash,
          machineId: this.deps.machineId,
          sendChunks: false,
        });
        prepared.push({ commit, path: a.path, after: (node) => this.putSynced(asSynced(node, a.stamp)) });
      } else if (a.type === "delete-remote") {
        const commit = await prepareCommit(keys, {
          nodeId: a.nodeId,
          kind: "deleted",
          placement: a.placement,
          content: { size: 0, mtimeMs: 0, mode: 0, chunks: [], contentHash: "" },
          baseVersion: a.baseVersion,
          baseHash: a.baseHash,
          machineId: this.deps.machineId,
          sendChunks: false,
        });
        prepared.push({
          commit,
          path: a.path,
          after: () => {
            this.dropSynced(a.nodeId);
            void this.deps.index.forgetFile(a.path);
          },
        });
      }
    }
    for (let i = 0; i < prepared.length; i += MAX_COMMIT_ITEMS) await this.commitBatch(prepared.slice(i, i + MAX_COMMIT_ITEMS));
  }

  private async commitBatch(batch: Array<{ commit: PreparedCommit; path: string; after: (node: RemoteNode) => void }>): Promise<void> {
    if (batch.length === 0) return;
    const results = await this.withRetry(() => commitItems(this.deps.target, batch.map((b) => b.commit.item)));
    const own: RemoteNode[] = [];
    results.forEach((result: CommitResult, i) => {
      const entry = batch[i]!;
      if (result.status === "ok") {
        const node = { ...entry.commit.node, version: result.version };
        own.push(node);
        entry.after(node);
        this.#result.done++;
        const direction = "upload";
        this.deps.onEvent({ type: "synced", nodeId: node.nodeId, path: entry.path, direction });
      } else if (result.status === "conflict" || result.status === "name_taken" || result.status === "parent_not_live" || result.status === "missing_chunks") {
        this.#result.replan = true; // the server moved on: pull and plan again
        this.#result.bounced.set(entry.path, { nodeId: entry.commit.item.nodeId, status: result.status });
      } else {
        this.fail(entry.path, entry.commit.item.nodeId, new Error(`The server refused the change (${result.status}): ${result.message}`));
      }
    });
    await this.deps.remote.recordOwn(own);
  }

  private async withRetry<T>(work: () => Promise<T>): Promise<T> {
    // The same request (same operation ids) may be sent again: a recorded one answers `replayed`.
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const transient = error instanceof NetworkError || (error instanceof ServerError && error.status >= 500);
        if (!transient || attempt >= 2) throw error;
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }

  private async uploads(actions: UploadAction[], signal?: AbortSignal): Promise<void> {
    if (actions.length === 0) return;
    const pending: Array<{ commit: PreparedCommit; path: string; after: (node: RemoteNode) => void }> = [];
    let flushing: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const batch = pending.splice(0, pending.length);
      flushing = flushing.then(async () => {
        for (let i = 0; i < batch.length; i += MAX_COMMIT_ITEMS) await this.commitBatch(batch.slice(i, i + MAX_COMMIT_ITEMS));
      });
      return flushing;
    };
    const queueCommit = (entry: (typeof pending)[number]) => {
      pending.push(entry);
      if (pending.length >= MAX_COMMIT_ITEMS) void flush();
      else timer ??= setTimeout(() => void flush(), 250); // commits land while a big upload goes on (the other machine starts early)
    };
    let networkError: unknown;
    await eachLimited(actions, IN_FLIGHT_FILES, async (a) => {
      try {
        await this.uploadOne(a, queueCommit, signal);
      } catch (error) {
        if (error instanceof NetworkError) networkError ??= error;
        else if (!(signal?.aborted ?? false)) this.fail(a.path, a.nodeId, error);
      }
    });
    await flush();
    await flushing;
    if (networkError) throw networkError instanceof Error ? networkError : new Error("The server went away");
  }

  private async uploadOne(a: UploadAction, queueCommit: (entry: { commit: PreparedCommit; path: string; after: (node: RemoteNode) => void }) => void, signal?: AbortSignal): Promise<void> {
    this.deps.transferring?.set(a.path, a.nodeId);
    let up: Awaited<ReturnType<Uploader["upload"]>>;
    try {
      up = await this.deps.uploader.upload(a.path, this.abs(a.path), a.stamp, signal);
    } finally {
      this.deps.transferring?.delete(a.path);
    }
    const content = { size: up.size, mtimeMs: up.stamp.mtimeMs, mode: up.stamp.mode & 0o7777, chunks: up.chunks, contentHash: up.contentHash };
    const keys = this.deps.keyring().epoch(up.epoch);
    const stamp = up.stamp;
    if (a.compareWith) {
      const r = a.compareWith;
      if (r.content.contentHash === up.contentHash) {
        // Same content on both sides (A8): nothing to transfer, nothing to report.
        this.putSynced(asSynced(r, stamp));
        this.#result.done++;
        return;
      }
      // A real conflict: the server's version keeps the path, this one becomes a copy.
      const copyName = await this.freeName(dirOf(a.path), nameOf(a.path));
      const copyPath = joinPath(dirOf(a.path), copyName);
      await rename(this.abs(a.path), this.abs(copyPath));
      const fresh = newNodeId();
      const commit = await prepareCommit(keys, {
        nodeId: fresh,
        kind: "file",
        placement: { parentId: a.placement.parentId, name: copyName },
        content,
        baseVersion: 0,
        baseHash: "",
        machineId: this.deps.machineId,
        sendChunks: true,
      });
      queueCommit({ commit, path: copyPath, after: (node) => this.putSynced(asSynced(node, stamp)) });
      this.deps.onEvent({ type: "conflict", nodeId: r.nodeId, path: a.path, copyPath });
      await this.downloadOne({ type: "download", nodeId: r.nodeId, path: a.path, remote: r, expectLocal: null }, signal);
      return;
    }
    const same = this.deps.synced.get(a.nodeId);
    if (same && a.baseVersion === same.version && same.content.contentHash === up.contentHash && (same.content.mode & 0o777) === (content.mode & 0o777) && same.parentId === a.placement.parentId && same.name === a.placement.name) {
      // Touched, not changed: remember the new stamp, commit nothing.
      this.putSynced({ ...same, stamp });
      this.#result.done++;
      return;
    }
    const commit = await prepareCommit(keys, {
      nodeId: a.nodeId,
      kind: "file",
      placement: a.placement,
      content,
      baseVersion: a.baseVersion,
      baseHash: a.baseHash,
      machineId: this.deps.machineId,
      sendChunks: true,
    });
    queueCommit({
      commit,
      path: a.path,
      after: (node) => {
        this.putSynced(asSynced(node, stamp));
        void this.deps.index.recordFile(a.path, up.chunks, stamp);
      },
    });
  }

  /**
   * Cancels the download of a path that changed on disk meanwhile (A11:
   * LOCAL_MODIFIED during a download): the local change wins, the next pass decides.
   * @param path The local path.
   * @returns True when a download was running.
   */
  cancelDownload(path: string): boolean {
    const ctl = this.#downloading.get(path);
    if (!ctl) return false;
    ctl.abort(new LocalChangedError(path));
    return true;
  }

  private async downloads(actions: DownloadAction[], signal?: AbortSignal): Promise<void> {
    let networkError: unknown;
    let full = false;
    const one = async (a: DownloadAction): Promise<void> => {
      const ctl = new AbortController();
      this.#downloading.set(a.path, ctl);
      try {
        if (signal?.aborted) throw signal.reason;
        await this.downloadOne(a, ctl.signal);
      } catch (error) {
        if (error instanceof NetworkError) networkError ??= error;
        else if (ctl.signal.reason instanceof LocalChangedError) this.fail(a.path, a.nodeId, ctl.signal.reason);
        else if (!(signal?.aborted ?? false)) {
          if (error instanceof Error && isOutOfSpace(error)) full = true;
          this.fail(a.path, a.nodeId, error);
        }
      } finally {
        this.#downloading.delete(a.path);
      }
    };
    if (this.deps.oneAtATime === true) {
      const bySize = [...actions].sort((x, y) => x.remote.content.size - y.remote.content.size);
      for (const a of bySize) {
        if (full || networkError !== undefined) {
          this.#result.replan = true; // left for the next pass
          break;
        }
        await one(a);
      }
    } else await eachLimited(actions, IN_FLIGHT_FILES, one);
    if (networkError) throw networkError instanceof Error ? networkError : new Error("The server went away");
  }

  /** Whether a download's folder is there, looked at once per run (and again after an ENOENT). */
  private folderThere(folder: string): Promise<boolean> {
    if (folder === "") return Promise.resolve(true);
    let there = this.#folders.get(folder);
    if (!there) {
      there = lstat(this.abs(folder)).then((st) => st.isDirectory(), () => false);
      this.#folders.set(folder, there);
    }
    return there;
  }

  private async downloadOne(a: DownloadAction, signal?: AbortSignal): Promise<void> {
    const r = a.remote;
    // Its folder was made or moved earlier in the run. One that is gone went away meanwhile (the user moved or
    // deleted it): making it again would bring back the old path, so the next pass plans from where it is now.
    const folder = dirOf(a.path);
    if (!(await this.folderThere(folder))) throw new LocalChangedError(`${folder} is not there any more`);
    let stamp: LocalStamp;
    this.deps.transferring?.set(a.path, a.nodeId);
    try {
      stamp = await this.deps.downloader.download(a.path, this.abs(a.path), r.content, a.expectLocal, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.#folders.delete(folder);
      throw (await this.folderThere(folder)) ? error : new LocalChangedError(`${folder} went away during the download`);
    } finally {
      this.deps.transferring?.delete(a.path);
    }
    this.putSynced(asSynced(r, stamp));
    this.#result.done++;
    this.deps.onEvent({ type: "synced", nodeId: r.nodeId, path: a.path, direction: "download" });
  }

  private async deleteLocal(a: Extract<Action, { type: "delete-local" }>): Promise<void> {
    const abs = this.abs(a.path);
    if (a.kind === "file") {
      let st;
      try {
        st = await lstat(abs);
      } catch {
        if (!a.keepBase) this.dropSynced(a.nodeId);
        return;
      }
      const now = stampOf(st, false);
      if (now.size !== a.expect.size || now.mtimeMs !== a.expect.mtimeMs || now.ino !== a.expect.ino) throw new LocalChangedError(`${a.path} changed`);
      await unlink(abs);
      await this.deps.index.forgetFile(a.path);
    } else {
      try {
        await rmdir(abs);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Something unsynced is inside (an ignored file): keep the folder; it syncs again as a new one.
        if (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "ENOENT") throw error;
      }
    }
    if (!a.keepBase) this.dropSynced(a.nodeId);
    this.deps.onEvent({ type: "synced", nodeId: a.nodeId, path: a.path, direction: "local" });
  }
}

/** Errors that mean "the content could not be trusted" (C6), for messages. */
export function isIntegrityFailure(error: unknown): boolean {
  return error instanceof IntegrityError;
}
