/**
 * Chunk garbage collection: a chunk goes only when no version (live or in
 * the retention checkpoint) references it. The row is deleted first, in a
 * transaction that re-checks the references; the stored bytes after, and
 * only when no account still has a row for that id. Uploads of the same id
 * are held off meanwhile (`chunkLocks`).
 */
import type { ServerContext } from "../context.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { str } from "../db/row.ts";

/** What a collection removed. */
export interface GcResult {
  chunksDeleted: number;
  bytesFreed: number;
}

/**
 * Deletes those candidate chunks of an account that nothing references.
 * @param ctx The server context.
 * @param accountId Whose chunks.
 * @param candidates Chunk ids that may have lost their last reference.
 * @returns How many chunks and bytes were removed.
 */
export async function collectChunks(ctx: ServerContext, accountId: string, candidates: Iterable<string>): Promise<GcResult> {
  const out: GcResult = { chunksDeleted: 0, bytesFreed: 0 };
  for (const id of new Set(candidates)) {
    await ctx.chunkLocks.run(id, async () => {
      const removed = await withWriteTransaction(ctx.db, async (tx) => {
        const refs = await tx.execute({
          sql: `SELECT EXISTS (SELECT 1 FROM version_chunks WHERE account_id = ? AND chunk_id = ?)
                    OR EXISTS (SELECT 1 FROM cp_version_chunks WHERE account_id = ? AND chunk_id = ?) AS used`,
          args: [accountId, id, accountId, id],
        });
        if (Number(refs.rows[0]?.used) !== 0) return null;
        const row = await tx.execute({ sql: "DELETE FROM chunks WHERE account_id = ? AND id = ? RETURNING size", args: [accountId, id] });
        if (row.rows.length === 0) return null;
        const others = await tx.execute({ sql: "SELECT 1 FROM chunks WHERE id = ? LIMIT 1", args: [id] });
        return { size: Number(row.rows[0]?.size), shared: others.rows.length > 0 };
      });
      if (!removed) return;
      if (!removed.shared) await ctx.store.delete(id);
      out.chunksDeleted++;
      out.bytesFreed += removed.size;
    });
  }
  return out;
}

/**
 * Chunks uploaded before `olderThan` that no version references (uploads
 * whose commit never came).
 * @param ctx The server context.
 * @param olderThan Epoch ms; younger uploads may still be committed.
 * @returns Account and chunk id pairs.
 */
export async function findOrphanChunks(ctx: ServerContext, olderThan: number): Promise<{ accountId: string; id: string }[]> {
  const rows = await ctx.db.execute({
    sql: `SELECT c.account_id, c.id FROM chunks c WHERE c.created_at < ?
            AND NOT EXISTS (SELECT 1 FROM version_chunks v WHERE v.account_id = c.account_id AND v.chunk_id = c.id)
            AND NOT EXISTS (SELECT 1 FROM cp_version_chunks v WHERE v.account_id = c.account_id AND v.chunk_id = c.id)`,
    args: [olderThan],
  });
  return rows.rows.map((r) => ({ accountId: str(r.account_id), id: str(r.id) }));
}
