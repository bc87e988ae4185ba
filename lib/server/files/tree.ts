/**
 * Listing a folder's children from the tree projection (W2: the dashboard
 * builds the hierarchy by parent id and decrypts names in the browser).
 */
import type { Executor } from "../../events/store.ts";
import { str } from "../../db/row.ts";

/** One child of a folder. */
export interface TreeEntry {
  nodeId: string;
  encName: string;
  kind: string;
  version: number;
  manifest: string;
  size: number;
  updatedAt: number;
}

/**
 * Lists the children of a folder, ordered by node id (tombstones left out unless asked for).
 * @param db The database.
 * @param vaultId The vault.
 * @param query Folder, paging and whether to include tombstones.
 * @returns The children.
 */
export async function listChildren(
  db: Executor,
  vaultId: string,
  query: { parentId: string; after: string; limit: number; includeDeleted: boolean },
): Promise<TreeEntry[]> {
  const rows = await db.execute({
    sql: `SELECT node_id, enc_name, kind, head_version, manifest, size, updated_at FROM tree
          WHERE vault_id = ? AND parent_id = ? AND node_id > ? ${query.includeDeleted ? "" : "AND kind <> 'delete'"}
          ORDER BY node_id LIMIT ?`,
    args: [vaultId, query.parentId, query.after, query.limit],
  });
  return rows.rows.map((r) => ({
    nodeId: str(r.node_id),
    encName: str(r.enc_name),
    kind: str(r.kind),
    version: Number(r.head_version),
    manifest: str(r.manifest),
    size: Number(r.size),
    updatedAt: Number(r.updated_at),
  }));
}
