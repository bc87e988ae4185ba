/**
 * The current head of a node as the checks see it, and the presence of
 * chunks: what a commit reads inside its transaction.
 */
import type { Row } from "@libsql/client";
import type { Executor } from "../../events/store.ts";
import { str } from "../../db/row.ts";

/** The current head of a node, as reported with a conflict (S4). */
export interface Head {
  nodeId: string;
  parentId: string;
  encName: string;
  kind: "file" | "dir" | "delete";
  version: number;
  manifest: string;
  size: number;
  seq: number;
}

/** The `tree` columns {@link headFromRow} reads. */
export const HEAD_COLUMNS = "node_id, parent_id, enc_name, kind, head_version, manifest, size, seq";

/**
 * Turns a `tree` row into a head.
 * @param row A row with {@link HEAD_COLUMNS}.
 * @returns The head.
 */
export function headFromRow(row: Row): Head {
  return {
    nodeId: str(row.node_id),
    parentId: str(row.parent_id),
    encName: str(row.enc_name),
    kind: str(row.kind) as Head["kind"],
    version: Number(row.head_version),
    manifest: str(row.manifest),
    size: Number(row.size),
    seq: Number(row.seq),
  };
}

/**
 * Looks up stored chunks of an account.
 * @param db The database or open transaction.
 * @param accountId Whose chunks.
 * @param ids Chunk ids (duplicates allowed).
 * @returns The stored size of each id that is present.
 */
export async function storedChunkSizes(db: Executor, accountId: string, ids: readonly string[]): Promise<Map<string, number>> {
  const unique = [...new Set(ids)];
  const sizes = new Map<string, number>();
  for (let i = 0; i < unique.length; i += 500) {
    const slice = unique.slice(i, i + 500);
    const result = await db.execute({
      sql: `SELECT id, size FROM chunks WHERE account_id = ? AND deleting_since IS NULL AND id IN (${slice.map(() => "?").join(", ")})`,
      args: [accountId, ...slice],
    });
    for (const row of result.rows) sizes.set(str(row.id), Number(row.size));
  }
  return sizes;
}
