/**
 * Listing a folder's children from the tree projection (W2: the dashboard
 * builds the hierarchy by parent id and decrypts names in the browser).
 */
import type { Executor } from "../../events/store.ts";
import { str } from "../../db/row.ts";
import { fitting, PAGE_BYTES } from "./page-budget.ts";

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

/** A page of a folder's children. */
export interface ChildrenPage {
  items: TreeEntry[];
  /** More children follow the last item (the count or the byte budget ended the page). */
  hasMore: boolean;
}

/**
 * Lists the children of a folder, ordered by node id (tombstones left out unless asked for).
 * @param db The database.
 * @param vaultId The vault.
 * @param query Folder, paging and whether to include tombstones.
 * @param maxBytes The page's byte budget (manifests and names; at least one child).
 * @returns The children.
 */
export async function listChildren(
  db: Executor,
  vaultId: string,
  query: { parentId: string; after: string; limit: number; includeDeleted: boolean },
  maxBytes: number = PAGE_BYTES,
): Promise<ChildrenPage> {
  const where = `vault_id = ? AND parent_id = ? AND node_id > ? ${query.includeDeleted ? "" : "AND kind <> 'delete'"}`;
  const sized = await db.execute({
    sql: `SELECT node_id, length(manifest) + length(enc_name) AS n FROM tree WHERE ${where} ORDER BY node_id LIMIT ?`,
    args: [vaultId, query.parentId, query.after, query.limit + 1],
  });
  const count = fitting(sized.rows.slice(0, query.limit).map((r) => Number(r.n)), maxBytes);
  if (count === 0) return { items: [], hasMore: false };
  const rows = await db.execute({
    sql: `SELECT node_id, enc_name, kind, head_version, manifest, size, updated_at FROM tree
          WHERE ${where} AND node_id <= ? ORDER BY node_id`,
    args: [vaultId, query.parentId, query.after, str(sized.rows[count - 1]?.node_id)],
  });
  const items = rows.rows.map((r) => ({
    nodeId: str(r.node_id),
    encName: str(r.enc_name),
    kind: str(r.kind),
    version: Number(r.head_version),
    manifest: str(r.manifest),
    size: Number(r.size),
    updatedAt: Number(r.updated_at),
  }));
  return { items, hasMore: sized.rows.length > count };
}
