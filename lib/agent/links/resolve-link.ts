/**
 * Follows a `syncfile://` link to a path on this machine (W6, D1): the
 * vault must be this agent's; a node is found in the synced tree of the
 * agent's state database (the base both sides agreed on, so it is where the
 * file is on disk); the path must exist and stay inside the synced folder
 * once every symbolic link on the way is resolved.
 */
import { existsSync } from "node:fs";
import { lstat, realpath } from "node:fs/promises";
import { join, sep } from "node:path";
import { ROOT_NODE_ID } from "../../crypto/mod.ts";
import { str } from "../../db/row.ts";
import { openStateDb } from "../state/db.ts";
import { LinkError, type SyncfileLink } from "./syncfile-url.ts";

/** Where a link leads on this machine. */
export interface ResolvedLink {
  /** The absolute path, inside the synced folder. */
  path: string;
  /** Its parts below the synced folder. */
  segments: string[];
  kind: "file" | "dir" | "other";
  /** The POSIX mode bits (what opening it may run). */
  mode: number;
}

/** What resolving needs of the agent. */
export interface LinkContext {
  vaultId: string;
  syncFolder: string;
  /** The agent's state database file. */
  stateDb: string;
}

/** Deepest folder nesting followed up to the root. */
const MAX_DEPTH = 512;

async function nodeSegments(stateDb: string, nodeId: string): Promise<string[]> {
  const unknown = new LinkError("unknown_node", "This machine does not have that file (not synced here yet, or deleted)");
  if (!existsSync(stateDb)) throw unknown;
  const db = await openStateDb(stateDb);
  try {
    const rs = await db.execute({
      sql: `WITH RECURSIVE up(node_id, parent_id, name, depth) AS (
              SELECT node_id, parent_id, name, 0 FROM synced_nodes WHERE node_id = ?
              UNION ALL
              SELECT s.node_id, s.parent_id, s.name, up.depth + 1 FROM synced_nodes s JOIN up ON s.node_id = up.parent_id WHERE up.depth < ?)
            SELECT parent_id, name FROM up ORDER BY depth DESC`,
      args: [nodeId, MAX_DEPTH],
    });
    // The synced tree always has its table; a database from before it had one knows no node either.
    const rows = rs.rows;
    if (rows.length === 0 || str(rows[0]!.parent_id) !== ROOT_NODE_ID) throw unknown;
    return rows.map((r) => str(r.name));
  } catch (error) {
    if (error instanceof LinkError) throw error;
    if (/no such table/i.test((error as Error).message)) throw unknown;
    throw error;
  } finally {
    db.close();
  }
}

/**
 * Resolves a parsed link against this agent.
 * @param link The link.
 * @param context This agent's vault, folder and state database.
 * @returns The path on disk.
 * @throws LinkError `other_vault`, `unknown_node`, `not_on_disk` or `outside_folder`.
 */
export async function resolveLink(link: SyncfileLink, context: LinkContext): Promise<ResolvedLink> {
  if (link.vaultId !== context.vaultId) {
    throw new LinkError("other_vault", `This link is for another vault (${link.vaultId}); this machine syncs vault ${context.vaultId}`);
  }
  const segments = link.target.kind === "node" ? await nodeSegments(context.stateDb, link.target.nodeId) : link.target.segments;
  const path = join(context.syncFolder, ...segments);
  let stats;
  try {
    stats = await lstat(path);
  } catch {
    throw new LinkError("not_on_disk", `${segments.join("/")} is not in the synced folder on this machine (still syncing, or moved since)`);
  }
  const folder = await realpath(context.syncFolder);
  const real = await realpath(path);
  if (real !== folder && !real.startsWith(folder + sep)) {
    throw new LinkError("outside_folder", `${segments.join("/")} leads outside the synced folder (a symbolic link on the way): not opened`);
  }
  const target = real === path ? stats : await lstat(real);
  return { path: real, segments, kind: target.isFile() ? "file" : target.isDirectory() ? "dir" : "other", mode: target.mode & 0o7777 };
}
