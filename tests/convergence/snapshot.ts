/**
 * What a folder holds, and what an agent believes it holds (its synced base
 * in its state database), in forms the invariants compare.
 */
import { createClient } from "@libsql/client";
import { lstat, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { compileIgnoreRules, IGNORE_FILE, type IgnoreRules } from "../../lib/agent/scan/ignore-rules.ts";
import { ROOT_NODE_ID } from "../../lib/agent/tree/nodes.ts";
import { str } from "../../lib/db/row.ts";
import { sha } from "./apply.ts";

/** One entry of a folder. */
export interface Entry {
  kind: "file" | "dir";
  /** SHA-256 of a file's content ("" for a folder). */
  sha: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** A folder: relative path (POSIX) → entry. */
export type Snapshot = Map<string, Entry>;

/**
 * Reads a folder tree (symlinks are not followed; the schedule makes none).
 * @param root The folder.
 * @returns Its entries.
 */
export async function snapshotFolder(root: string): Promise<Snapshot> {
  const out: Snapshot = new Map();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      const abs = join(dir, e.name);
      const st = await lstat(abs);
      if (st.isDirectory()) {
        out.set(rel, { kind: "dir", sha: "", size: 0, mtimeMs: 0, ino: st.ino });
        await walk(abs, rel);
      } else {
        out.set(rel, { kind: "file", sha: sha(await readFile(abs)), size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
      }
    }
  };
  await walk(root, "");
  return out;
}

/**
 * The folder's ignore rules, as its agent reads them.
 * @param snapshotRoot The folder.
 * @returns The compiled rules.
 */
export async function rulesOf(snapshotRoot: string): Promise<IgnoreRules> {
  try {
    return compileIgnoreRules(await readFile(join(snapshotRoot, IGNORE_FILE), "utf8"));
  } catch {
    return compileIgnoreRules("");
  }
}

/**
 * The part of a snapshot that syncs: names in NFC, not ignored, below no
 * ignored folder (what stays local by design is left out).
 * @param snap The snapshot.
 * @param rules The folder's rules.
 * @returns The synced part.
 */
export function syncedPart(snap: Snapshot, rules: IgnoreRules): Snapshot {
  const out: Snapshot = new Map();
  for (const [path, entry] of snap) if (syncs(path, entry.kind === "dir", rules)) out.set(path, entry);
  return out;
}

/**
 * Whether a path syncs: its name and every folder above it in NFC, none of them ignored.
 * @param path A relative path.
 * @param isDir Whether it is a folder.
 * @param rules The folder's rules.
 * @returns True when the agent syncs it.
 */
export function syncs(path: string, isDir: boolean, rules: IgnoreRules): boolean {
  const parts = path.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join("/");
    if (prefix.normalize("NFC") !== prefix || rules.ignores(prefix, i < parts.length || isDir)) return false;
  }
  return true;
}

/**
 * Path → kind and content of a snapshot, for equality across machines.
 * @param snap The snapshot.
 * @returns Sorted lines `path kind sha`.
 */
export function contentLines(snap: Snapshot): string[] {
  return [...snap].map(([p, e]) => `${p} ${e.kind} ${e.sha}`).sort();
}

/** An entry of an agent's synced base. */
export interface BaseEntry {
  kind: "file" | "dir";
  size: number;
  mtimeMs: number;
  ino: number;
}

/**
 * An agent's synced base, read from its state database (the agent stopped).
 * @param stateDb The database file.
 * @returns Path → what the agent believes is on its disk.
 */
export async function readSyncedBase(stateDb: string): Promise<Map<string, BaseEntry>> {
  const db = createClient({ url: `file:${stateDb}` });
  try {
    const rs = await db.execute("SELECT node_id, parent_id, name, kind, stamp FROM synced_nodes");
    const byId = new Map<string, { parent: string; name: string; kind: "file" | "dir"; stamp: { size: number; mtimeMs: number; ino: number } }>();
    for (const r of rs.rows) {
      byId.set(str(r.node_id), { parent: str(r.parent_id), name: str(r.name), kind: r.kind === "dir" ? "dir" : "file", stamp: JSON.parse(str(r.stamp)) as { size: number; mtimeMs: number; ino: number } });
    }
    const pathOf = (id: string, depth = 0): string | null => {
      const n = byId.get(id);
      if (!n || depth > 256) return null;
      if (n.parent === ROOT_NODE_ID) return n.name;
      const up = pathOf(n.parent, depth + 1);
      return up === null ? null : `${up}/${n.name}`;
    };
    const out = new Map<string, BaseEntry>();
    for (const [id, n] of byId) {
      const p = pathOf(id);
      out.set(p ?? `<orphan ${id}>`, { kind: n.kind, size: n.stamp.size, mtimeMs: n.stamp.mtimeMs, ino: n.stamp.ino });
    }
    return out;
  } finally {
    db.close();
  }
}
