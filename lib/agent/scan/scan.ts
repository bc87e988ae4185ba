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
  const queue: string[] = [""];
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
    if (dir === "") throw error;
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
