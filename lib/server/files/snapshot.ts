/**
 * The snapshot a client (re)syncs from (S7): every node of the vault as it
 * was at one cursor, paged by node id. The first page fixes the cursor (the
 * vault's head); later pages pass it back and read the same point in time:
 * each node's newest version with `seq <= cursor` (the version history
 * keeps them), so pages read minutes apart still form one consistent tree,
 * and following the change log from the cursor brings it up to date.
 * Tombstones are included, so every item's parent is the root or an item.
 */
import type { Client } from "@libsql/client";
import { str } from "../../db/row.ts";
import { checkCursor, vaultHead } from "./changes.ts";
import { CHUNK_ID_BYTES, fitting, PAGE_BYTES } from "./page-budget.ts";

/** One node of a snapshot. */
export interface SnapshotItem {
  nodeId: string;
  parentId: string;
  encName: string;
  kind: string;
  version: number;
  manifest: string;
  size: number;
  chunks: string[];
}

/** A page of the snapshot. */
export interface SnapshotPage {
  /** The point in time of every page; pass it back with `after`, then follow the change log from it. */
  cursor: number;
  items: SnapshotItem[];
  /** Pass as `after` for the next page. */
  nextAfter: string | null;
  hasMore: boolean;
}

/**
 * Reads a page of the vault's nodes at a cursor, ordered by node id.
 * @param db The database.
 * @param scope Account and vault.
 * @param page `after` (a node id, '' first), `limit`, and the first page's `cursor` on later pages.
 * @param maxBytes The page's byte budget (manifests, names, chunk ids; at least one item).
 * @returns The page.
 * @throws HttpError 410 for a cursor cleaned from the log or ahead of it.
 */
export async function readSnapshot(
  db: Client,
  scope: { accountId: string; vaultId: string },
  page: { after: string; limit: number; cursor?: number | undefined },
  maxBytes: number = PAGE_BYTES,
): Promise<SnapshotPage> {
  const tx = await db.transaction("read");
  try {
    const cursor = page.cursor ?? (await vaultHead(tx, scope.vaultId));
    await checkCursor(tx, scope.vaultId, cursor);
    const select = (columns: string, range: string): string => `SELECT ${columns} FROM tree t
            JOIN versions v ON v.vault_id = t.vault_id AND v.node_id = t.node_id AND v.version = CASE
              WHEN t.seq <= ? THEN t.head_version
              ELSE (SELECT MAX(o.version) FROM versions o WHERE o.vault_id = t.vault_id AND o.node_id = t.node_id AND o.seq <= ?) END
            WHERE t.vault_id = ? AND ${range} ORDER BY t.node_id`;
    // Sizes first, then only the items that fit the page's byte budget.
    const sized = await tx.execute({
      sql: `${select(`v.node_id, length(v.manifest) + length(v.enc_name) + ${CHUNK_ID_BYTES} * v.chunk_count AS n`, "t.node_id > ?")} LIMIT ?`,
      args: [cursor, cursor, scope.vaultId, page.after, page.limit + 1],
    });
    const count = fitting(sized.rows.slice(0, page.limit).map((r) => Number(r.n)), maxBytes);
    const last = count === 0 ? null : str(sized.rows[count - 1]?.node_id);
    const result =
      last === null
        ? { rows: [] }
        : await tx.execute({
            sql: select("v.node_id, v.parent_id, v.enc_name, v.kind, v.version, v.manifest, v.size", "t.node_id > ? AND t.node_id <= ?"),
            args: [cursor, cursor, scope.vaultId, page.after, last],
          });
    const items: SnapshotItem[] = result.rows.map((r) => ({
      nodeId: str(r.node_id),
      parentId: str(r.parent_id),
      encName: str(r.enc_name),
      kind: str(r.kind),
      version: Number(r.version),
      manifest: str(r.manifest),
      size: Number(r.size),
      chunks: [],
    }));
    const files = items.filter((i) => i.kind === "file");
    for (let i = 0; i < files.length; i += 400) {
      const slice = files.slice(i, i + 400);
      const chunks = await tx.execute({
        sql: `SELECT node_id, chunk_id FROM version_chunks WHERE vault_id = ?
              AND (node_id, version) IN (VALUES ${slice.map(() => "(?, CAST(? AS INTEGER))").join(", ")}) ORDER BY node_id, ord`,
        args: [scope.vaultId, ...slice.flatMap((f) => [f.nodeId, f.version])],
      });
      const byNode = new Map(slice.map((f) => [f.nodeId, f]));
      for (const row of chunks.rows) byNode.get(str(row.node_id))?.chunks.push(str(row.chunk_id));
    }
    const hasMore = sized.rows.length > count;
    return { cursor, items, nextAfter: hasMore ? (items.at(-1)?.nodeId ?? null) : null, hasMore };
  } finally {
    tx.close();
  }
}
