/**
 * The local scanner (A3, A5): walks the sync folder and reads metadata only
 * (kind, size, mtime, inode, mode). No file is read: the planner compares
 * these stamps with the synced base and reads a file only when it changed.
 */
import type { Dirent } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
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
  /** Scan only this folder's subtree (a relative path; "" is the whole folder). @default "" */
  under?: string;
}

/**
 * Updates an earlier scan for the paths that changed since (the watcher's
 * paths and what the agent itself wrote): each path is looked at again, a
 * folder with its subtree; everything else is kept. A pass after a small
 * edit then reads a handful of entries, not the whole folder.
 * @param root Absolute path of the sync folder.
 * @param previous The earlier scan (updated in place).
 * @param paths Relative paths that may have changed.
 * @param options Rules and internal names.
 */
export async function rescanPaths(root: string, previous: ScanResult, paths: Iterable<string>, options: ScanOptions): Promise<void> {
  // Deepest changes are covered by a shallower one: keep the shallowest of each branch.
  const sorted = [...new Set(paths)].filter((p) => p !== "").sort((a, b) => a.length - b.length);
  const chosen: string[] = [];
  for (const p of sorted) if (!chosen.some((c) => p.startsWith(c + "/"))) chosen.push(p);
  await readdir(root);
  for (const path of chosen) {
    for (const key of [...previous.entries.keys()]) if (key === path || key.startsWith(path + "/")) previous.entries.delete(key);
    previous.skipped = previous.skipped.filter((s) => s.path !== path && !s.path.startsWith(path + "/"));
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (options.isInternalName(name)) continue;
    const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    // Inside a folder that is gone, ignored or not seen: nothing to add.
    if (parent !== "" && !previous.entries.has(parent)) continue;
    let st;
    try {
      st = await lstat(join(root, path));
    } catch {
      continue;
    }
    if (name.normalize("NFC") !== name) {
      previous.skipped.push({ path, reason: "not-nfc" });
      continue;
    }
    if (st.isSymbolicLink()) {
      previous.skipped.push({ path, reason: "symlink" });
      continue;
    }
    const isDir = st.isDirectory();
    if (!isDir && !st.isFile()) {
      previous.skipped.push({ path, reason: "special" });
      continue;
    }
    if (options.rules.ignores(path, isDir)) continue;
    previous.entries.set(path, { path, kind: isDir ? "dir" : "file", stamp: { ino: st.ino, size: isDir ? 0 : st.size, mtimeMs: isDir ? 0 : st.mtimeMs, mode: st.mode & 0o7777 } });
    if (isDir) {
      const sub = await scanFolder(root, { ...options, under: path }).catch(() => null);
      if (sub) {
        for (const [k, v] of sub.entries) previous.entries.set(k, v);
        previous.skipped.push(...sub.skipped);
      }
    }
  }
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
  await Promise.all(
    names.map(async (d) => {
      const name = d.name;
      if (options.isInternalName(name)) return;
      const path = dir === "" ? name : `${dir}/${name}`;
      if (name.normalize("NFC") !== name) {
        skipped.push({ path, reason: "not-nfc" });
        return;
      }
      if (d.isSymbolicLink()) {
        skipped.push({ path, reason: "symlink" });
        return;
      }
      const isDir = d.isDirectory();
      if (!isDir && !d.isFile()) {
        skipped.push({ path, reason: "special" });
        return;
      }
      if (options.rules.ignores(path, isDir)) return;
      let st;
      try {
        st = await lstat(join(root, path));
      } catch {
        return; // gone between readdir and lstat: the next pass sees it
      }
      entries.set(path, { path, kind: isDir ? "dir" : "file", stamp: { ino: st.ino, size: isDir ? 0 : st.size, mtimeMs: isDir ? 0 : st.mtimeMs, mode: st.mode & 0o7777 } });
      if (isDir) queue.push(path);
    }),
  );
}
