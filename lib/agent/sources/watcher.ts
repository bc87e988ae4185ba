/**
 * The local file watcher (A3): one `fs.watch` per folder (inotify on Linux,
 * FSEvents on macOS, ReadDirectoryChangesW on Windows), never one per file,
 * so 50,000 files in 500 folders cost 500 watches. No native addon: it runs
 * the same under Node and in a Bun-compiled binary. Symlinks are reported as
 * entries but never followed. Changes are batched by {@link createBatcher}:
 * 250 ms after the last event, at most 1 s late under a constant stream.
 *
 * A folder renamed inside the tree is reported under both names; the new
 * one's entries are reported too (they are new paths). A folder that cannot
 * be watched (the system's watch limit) is reported through `onError`; the
 * periodic full scan is the backstop.
 */
import { watch, type FSWatcher } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { basename } from "node:path";
import { createBatcher } from "./batcher.ts";
import { absolutePath, baseName, childPath, isAgentTemp, isWithin } from "./rel-path.ts";

/** Options of {@link startWatcher}. */
export interface WatcherOptions {
  /** Quiet period after the last event before a batch is reported, ms. @default 250 */
  debounceMs?: number;
  /** Longest a change waits under a constant stream of events, ms. @default 1000 */
  maxWaitMs?: number;
  /** Entries not to report; an ignored folder is not watched either. Receives the NFC relative path. */
  ignore?: (relPath: string, isDir: boolean) => boolean;
  /** Receives each batch of changed relative paths (POSIX separators, NFC). */
  onChanges: (paths: Set<string>) => void;
  /** Receives problems that do not stop the watcher (a folder that cannot be watched, the root gone). */
  onError?: (error: Error) => void;
  /** How often a missing root is looked for again, ms. @default 1000 */
  rootRetryMs?: number;
}

/** A running watcher. */
export interface Watcher {
  /** Stops watching; nothing is reported after it resolves. */
  close(): Promise<void>;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

const GONE = new Set(["ENOENT", "ENOTDIR"]);

/**
 * Starts watching a folder tree. Resolves once every folder is watched (the
 * initial crawl reports nothing).
 * @param root The absolute path of the folder to watch.
 * @param options Debounce, ignore rules and callbacks.
 * @returns The watcher.
 * @throws Error when `root` is not a folder.
 */
export async function startWatcher(root: string, options: WatcherOptions): Promise<Watcher> {
  const rootStat = await lstat(root).catch(() => null);
  if (!rootStat?.isDirectory()) throw new Error(`Cannot watch the sync folder: ${root} is not a folder`);

  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  let rootRetry: NodeJS.Timeout | undefined;
  let limitReported = false;
  const reportError = (error: Error): void => options.onError?.(error);
  const ignored = (rel: string, isDir: boolean): boolean => isAgentTemp(rel) || (options.ignore?.(rel.normalize("NFC"), isDir) ?? false);

  const batch = createBatcher<string>({
    quietMs: options.debounceMs ?? 250,
    maxWaitMs: options.maxWaitMs ?? 1000,
    flush: (paths) => {
      if (closed) return;
      const out = new Set<string>();
      for (const path of paths) out.add(path.normalize("NFC"));
      try {
        options.onChanges(out);
      } catch (error) {
        reportError(error instanceof Error ? error : new Error(String(error)));
      }
    },
  });

  // Folder → how many watched folders are at it or below it: a path with none (a file, most
  // of the time) has nothing to unwatch, and every file event need not walk every watcher.
  const covering = new Map<string, number>();
  const cover = (dir: string, delta: number): void => {
    for (let d = dir; ; d = d.includes("/") ? d.slice(0, d.lastIndexOf("/")) : "") {
      const n = (covering.get(d) ?? 0) + delta;
      if (n === 0) covering.delete(d);
      else covering.set(d, n);
      if (d === "") return;
    }
  };
  const unwatch = (dir: string): void => {
    if (!covering.has(dir)) return;
    for (const [rel, watcher] of watchers) {
      if (!isWithin(rel, dir)) continue;
      watcher.close();
      watchers.delete(rel);
      cover(rel, -1);
    }
  };

  const watchDir = (dir: string): boolean => {
    if (closed || watchers.has(dir)) return false;
    let watcher: FSWatcher;
    try {
      watcher = watch(absolutePath(root, dir), { persistent: false }, (event, name) => onEvent(dir, event, name));
    } catch (error) {
      const code = errorCode(error);
      if (code !== undefined && GONE.has(code)) return false;
      if ((code === "ENOSPC" || code === "EMFILE") && limitReported) return false;
      limitReported ||= code === "ENOSPC" || code === "EMFILE";
      const hint = code === "ENOSPC" ? " (the system's watch limit is reached: raise fs.inotify.max_user_watches)" : "";
      reportError(new Error(`Cannot watch a folder of the sync folder${hint}: ${(error as Error).message}`));
      return false;
    }
    watcher.on("error", () => void checkFolder(dir));
    watchers.set(dir, watcher);
    cover(dir, 1);
    return true;
  };

  /** Watches `top` and every folder under it; reports their entries when `report`. */
  const watchTree = async (top: string, report: boolean): Promise<void> => {
    const queue = [top];
    for (let dir = queue.pop(); dir !== undefined; dir = queue.pop()) {
      if (closed) return;
      watchDir(dir);
      let entries;
      try {
        entries = await readdir(absolutePath(root, dir), { withFileTypes: true });
      } catch (error) {
        const code = errorCode(error);
        if (code === undefined || !GONE.has(code)) reportError(new Error(`Cannot read a folder of the sync folder: ${(error as Error).message}`));
        unwatch(dir);
        continue;
      }
      for (const entry of entries) {
        const rel = childPath(dir, entry.name);
        const isDir = entry.isDirectory();
        if (ignored(rel, isDir)) continue;
        if (report) batch.add(rel);
        if (isDir) queue.push(rel);
      }
    }
  };

  const rootGone = (): void => {
    unwatch("");
    if (closed || rootRetry) return;
    reportError(new Error(`The sync folder is missing: ${root}`));
    rootRetry = setInterval(() => {
      void lstat(root).then(
        (s) => {
          if (closed || !s.isDirectory() || !rootRetry) return;
          clearInterval(rootRetry);
          rootRetry = undefined;
          void watchTree("", true);
        },
        () => undefined,
      );
    }, options.rootRetryMs ?? 1000);
  };

  /** A watched folder reported an error or may be gone: re-check it. */
  const checkFolder = async (dir: string): Promise<void> => {
    const s = await lstat(absolutePath(root, dir)).catch(() => null);
    if (closed) return;
    if (s?.isDirectory()) return;
    if (dir === "") return rootGone();
    unwatch(dir);
    batch.add(dir);
  };

  /** An entry appeared, vanished or was renamed: watch or unwatch it as a folder. */
  const inspect = async (rel: string): Promise<void> => {
    const s = await lstat(absolutePath(root, rel)).catch((error: unknown) => {
      const code = errorCode(error);
      if (code === undefined || !GONE.has(code)) reportError(new Error(`Cannot inspect a changed entry: ${(error as Error).message}`));
      return null;
    });
    if (closed) return;
    const isDir = s?.isDirectory() ?? watchers.has(rel);
    if (ignored(rel, isDir)) return;
    batch.add(rel);
    if (s?.isDirectory()) {
      if (!watchers.has(rel)) await watchTree(rel, true);
    } else {
      unwatch(rel);
    }
  };

  const onEvent = (dir: string, event: string, name: string | Buffer | null): void => {
    if (closed || !watchers.has(dir)) return;
    if (name === null) {
      // The platform did not say which entry: every entry of the folder is a candidate.
      if (dir !== "") batch.add(dir);
      void watchTree(dir, true);
      return;
    }
    const entry = typeof name === "string" ? name : name.toString("utf8");
    const rel = childPath(dir, entry);
    if (isAgentTemp(rel)) return;
    // A folder's own deletion shows as a rename event carrying its own name.
    if (event === "rename" && entry === (dir === "" ? basename(root) : baseName(dir))) void checkFolder(dir);
    if (event === "rename") {
      void inspect(rel);
      return;
    }
    const isDir = watchers.has(rel);
    if (!ignored(rel, isDir)) batch.add(rel);
  };

  await watchTree("", false);
  if (!watchers.has("")) throw new Error(`Cannot watch the sync folder: ${root}`);

  return {
    close() {
      closed = true;
      if (rootRetry) clearInterval(rootRetry);
      batch.close();
      unwatch("");
      return Promise.resolve();
    },
  };
}
