/**
 * The local scanner (A3, A5): walks the sync folder and reads metadata only
 * (kind, size, mtime, inode, mode). No file is read: the planner compares
 * these stamps with the synced base and reads a file only when it changed.
 */
import { lstatSync, type Dirent, type Stats } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { LocalEntry } from "../tree/nodes.ts";
import type { IgnoreRules } from "./ignore-rules.ts";

/** An entry the scanner saw but does not sync. */
export interface SkippedEntry {
  path: string;
  reason: "symlink" | "special" | "unreadable" | "not-nfc";
}

/** What a scan found. */
export interface ScanResult {
  entries: Map<string, LocalEntry>;
  skipped: SkippedEntry[];
}

/** Options of a scan. */
export interface ScanOptions {
  rules: IgnoreRules;
  /** Names the agent itself writes (temp files), never synced. */
  isInternalName: (name: string) => boolean;
  /** Folders being read at once. @default 8 */
  concurrency?: number;
  /** Receives the relative path of each internal file a full scan passes over (temp files a crash left). */
  onInternal?: (path: string) => void;
  /** Scan only this folder's subtree (a relative path; "" is the whole folder). @default "" */
  under?: string;
}

/** Paths looked at again between two turns of the event loop. */
const YIELD_EVERY = 1000;

/**
 * Updates an earlier scan for the paths that changed since (the watcher's
 * paths and what the agent itself wrote): each path is looked at again, a
 * folder with its subtree; everything else is kept. A pass after a small
 * edit then reads a handful of entries, not the whole folder. When the disk
 * shows exactly what the scan held at those paths, the scan is left as it
 * was (same entries, same order) and the answer says so.
 * @param root Absolute path of the sync folder.
 * @param previous The earlier scan (updated in place).
 * @param paths Relative paths that may have changed.
 * @param options Rules and internal names.
 * @returns True when the scan changed.
 */
export async function rescanPaths(root: string, previous: ScanResult, paths: Iterable<string>, options: ScanOptions): Promise<boolean> {
  // Deepest changes are covered by a shallower one: keep the shallowest of each branch.
  const sorted = [...new Set(paths)].filter((p) => p !== "").sort((a, b) => a.length - b.length);
  const chosen: string[] = [];
  const chosenSet = new Set<string>();
  const covered = (path: string): boolean => {
    for (let p = path; ; p = p.slice(0, p.lastIndexOf("/"))) {
      if (chosenSet.has(p)) return true;
      if (!p.includes("/")) return false;
    }
  };
  for (const p of sorted) {
    if (covered(p)) continue;
    chosen.push(p);
    chosenSet.add(p);
  }
  await readdir(root);
  // What the disk shows at those paths now, beside the scan. A chosen path's folder is never
  // below another chosen path (it would be covered), so it is looked up in the scan as it was.
  const fresh = new Map<string, LocalEntry>();
  const freshSkipped: SkippedEntry[] = [];
  let done = 0;
  for (const path of chosen) {
    if (++done % YIELD_EVERY === 0) await new Promise((resolve) => setTimeout(resolve, 0)); // let the event loop turn
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (options.isInternalName(name)) continue;
    const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    // Inside a folder that is gone, ignored or not seen: nothing to add.
    if (parent !== "" && !previous.entries.has(parent)) continue;
    const st = statNow(join(root, path));
    if (!st) continue;
    if (name.normalize("NFC") !== name) {
      freshSkipped.push({ path, reason: "not-nfc" });
      continue;
    }
    if (st.isSymbolicLink()) {
      freshSkipped.push({ path, reason: "symlink" });
      continue;
    }
    const isDir = st.isDirectory();
    if (!isDir && !st.isFile()) {
      freshSkipped.push({ path, reason: "special" });
      continue;
    }
    if (options.rules.ignores(path, isDir)) continue;
    fresh.set(path, { path, kind: isDir ? "dir" : "file", stamp: { ino: st.ino, size: isDir ? 0 : st.size, mtimeMs: isDir ? 0 : st.mtimeMs, mode: st.mode & 0o7777 } });
    if (isDir) {
      const sub = await scanFolder(root, { ...options, under: path }).catch(() => null);
      if (sub) {
        for (const [k, v] of sub.entries) fresh.set(k, v);
        freshSkipped.push(...sub.skipped);
      }
    }
  }
  // What the scan held at those paths and below them. Only a folder has entries below it
  // (an entry's folder is always an entry too), so the whole scan is walked only for one.
  const stale: string[] = [];
  if (chosen.some((p) => previous.entries.get(p)?.kind === "dir")) {
    for (const key of previous.entries.keys()) if (covered(key)) stale.push(key);
  } else {
    for (const p of chosen) if (previous.entries.has(p)) stale.push(p);
  }
  const staleSkipped = previous.skipped.length > 0 ? previous.skipped.filter((s) => covered(s.path)) : [];
  if (sameEntries(previous.entries, stale, fresh) && sameSkipped(staleSkipped, freshSkipped)) return false;
  for (const key of stale) previous.entries.delete(key);
  if (staleSkipped.length > 0) previous.skipped = previous.skipped.filter((s) => !covered(s.path));
  for (const [k, v] of fresh) previous.entries.set(k, v);
  previous.skipped.push(...freshSkipped);
  return true;
}

function sameEntries(entries: ReadonlyMap<string, LocalEntry>, stale: readonly string[], fresh: ReadonlyMap<string, LocalEntry>): boolean {
  if (stale.length !== fresh.size) return false;
  for (const key of stale) {
    const was = entries.get(key)!;
    const now = fresh.get(key);
    if (!now || now.kind !== was.kind) return false;
    const a = was.stamp;
    const b = now.stamp;
    if (a.ino !== b.ino || a.size !== b.size || a.mtimeMs !== b.mtimeMs || a.mode !== b.mode) return false;
  }
  return true;
}

function sameSkipped(stale: readonly SkippedEntry[], fresh: readonly SkippedEntry[]): boolean {
  if (stale.length !== fresh.length) return false;
  const key = (s: SkippedEntry) => `${s.reason}:${s.path}`;
  const was = stale.map(key).sort();
  const now = fresh.map(key).sort();
  return was.every((k, i) => k === now[i]);
}

/**
 * Scans the sync folder.
 * @param root Absolute path of the sync folder.
 * @param options Rules and internal names.
 * @returns Every syncable entry by relative path, and what was skipped.
 * @throws When the root itself cannot be read (the folder is gone: nothing is planned from that).
 */
export async function scanFolder(root: string, options: ScanOptions): Promise<ScanResult> {
  const entries = new Map<string, LocalEntry>();
  const skipped: SkippedEntry[] = [];
  const queue: string[] = [options.under ?? ""];
  const limit = options.concurrency ?? 8;
  let active = 0;
  let failure: unknown;
  await readdir(root); // the root must be readable: a missing sync folder is an error, not "everything deleted"
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (active < limit && queue.length > 0) {
        const dir = queue.shift()!;
        active++;
        void scanDir(root, dir, options, entries, skipped, queue)
          .catch((error: unknown) => {
            failure ??= error;
          })
          .finally(() => {
            active--;
            if (queue.length === 0 && active === 0) resolve();
            else pump();
          });
      }
    };
    pump();
  });
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error("The sync folder could not be scanned");
  return { entries, skipped };
}

async function scanDir(root: string, dir: string, options: ScanOptions, entries: Map<string, LocalEntry>, skipped: SkippedEntry[], queue: string[]): Promise<void> {
  let names: Dirent[];
  try {
    names = await readdir(join(root, dir), { withFileTypes: true });
  } catch (error) {
    if (dir === "" || dir === options.under) throw error;
    // A folder that vanished or cannot be read: its entries are not seen this pass.
    // Unreadable is reported; the planner must not take it for deleted.
    skipped.push({ path: dir, reason: "unreadable" });
    entries.delete(dir);
    return;
  }
  // Each entry's metadata is read synchronously: a few microseconds of the thread per
  // entry, where a promise and a trip through the thread pool cost several times that in CPU.
  // One folder at a time, so the event loop still turns between folders.
  for (const d of names) {
    const name = d.name;
    if (options.isInternalName(name)) {
      if (options.onInternal && d.isFile()) options.onInternal(dir === "" ? name : `${dir}/${name}`);
      continue;
    }
    const path = dir === "" ? name : `${dir}/${name}`;
    if (name.normalize("NFC") !== name) {
      skipped.push({ path, reason: "not-nfc" });
      continue;
    }
    if (d.isSymbolicLink()) {
      skipped.push({ path, reason: "symlink" });
      continue;
    }
    const isDir = d.isDirectory();
    if (!isDir && !d.isFile()) {
      skipped.push({ path, reason: "special" });
      continue;
    }
    if (options.rules.ignores(path, isDir)) continue;
    const st = statNow(join(root, path));
    if (!st) continue; // gone between readdir and lstat: the next pass sees it
    entries.set(path, { path, kind: isDir ? "dir" : "file", stamp: { ino: st.ino, size: isDir ? 0 : st.size, mtimeMs: isDir ? 0 : st.mtimeMs, mode: st.mode & 0o7777 } });
    if (isDir) queue.push(path);
  }
}

/**
 * An entry's metadata, read now.
 * @param abs Absolute path.
 * @returns Its lstat, or undefined when it cannot be read (gone meanwhile).
 */
function statNow(abs: string): Stats | undefined {
  try {
    return lstatSync(abs, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
