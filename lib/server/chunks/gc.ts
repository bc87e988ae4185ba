/**
 * Chunk garbage collection: a chunk goes only when no version (live or in
 * the retention checkpoint) references it. Safe across server processes
 * sharing one database and one store (a second server, or `purge-trash`
 * beside a running server):
 *
 * 1. one transaction re-checks the references, marks the row
 *    (`deleting_since`: the chunk now counts as missing) and bumps the
 *    chunk's deletion generation;
 * 2. the stored bytes are deleted;
 * 3. one transaction removes the marked row.
 *
 * An upload of the same chunk reads the generation before it stores bytes
 * and records its row only if no deletion started meanwhile (service.ts), so
 * it never records a row whose bytes step 2 removed. Within one process
 * uploads are also held off by `chunkLocks`.
 */
import type { ServerContext } from "../context.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { str } from "../../db/row.ts";
import { storageKey } from "./storage-key.ts";

/** What a collection removed. */
export interface GcResult {
  chunksDeleted: number;
  bytesFreed: number;
}

/** A deletion marked but not finished this long ago was interrupted (a crash). */
export const STALE_DELETION_MS = 5 * 60_000;

/**
 * Step 1: marks an unreferenced chunk as being deleted.
 * @param ctx The server context.
 * @param accountId Whose chunk.
 * @param id The chunk id.
 * @returns The chunk's stored size when marked; null when referenced, absent or already being deleted.
 */
export async function markChunkDeleting(ctx: ServerContext, accountId: string, id: string): Promise<{ size: number } | null> {
  return withWriteTransaction(ctx.db, async (tx) => {
    const refs = await tx.execute({
      sql: `SELECT EXISTS (SELECT 1 FROM version_chunks WHERE account_id = ? AND chunk_id = ?)
                OR EXISTS (SELECT 1 FROM cp_version_chunks WHERE account_id = ? AND chunk_id = ?) AS used`,
      args: [accountId, id, accountId, id],
    });
    if (Number(refs.rows[0]?.used) !== 0) return null;
    const marked = await tx.execute({
      sql: "UPDATE chunks SET deleting_since = ? WHERE account_id = ? AND id = ? AND deleting_since IS NULL RETURNING size",
      args: [Date.now(), accountId, id],
    });
    if (marked.rows.length === 0) return null;
    await tx.execute({
      sql: `INSERT INTO chunk_deletions (account_id, id, generation) VALUES (?, ?, 1)
            ON CONFLICT (account_id, id) DO UPDATE SET generation = generation + 1`,
      args: [accountId, id],
    });
    return { size: Number(marked.rows[0]?.size) };
  });
}

/**
 * Steps 2 and 3: deletes a marked chunk's bytes, then its row.
 * @param ctx The server context.
 * @param accountId Whose chunk.
 * @param id The chunk id.
 */
export async function finishChunkDeletion(ctx: ServerContext, accountId: string, id: string): Promise<void> {
  await ctx.store.delete(storageKey(accountId, id));
  await withWriteTransaction(ctx.db, (tx) =>
    tx.execute({ sql: "DELETE FROM chunks WHERE account_id = ? AND id = ? AND deleting_since IS NOT NULL", args: [accountId, id] }),
  );
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
      const marked = await markChunkDeleting(ctx, accountId, id);
      if (!marked) return;
      await finishChunkDeletion(ctx, accountId, id);
      out.chunksDeleted++;
      out.bytesFreed += marked.size;
    });
  }
  return out;
}

/**
 * Finishes deletions that a crashed process marked but did not complete.
 * @param ctx The server context.
 * @param olderThan Epoch ms: only deletions marked before it.
 * @returns How many were finished.
 */
export async function finishStaleDeletions(ctx: ServerContext, olderThan: number): Promise<number> {
  const rows = await ctx.db.execute({ sql: "SELECT account_id, id FROM chunks WHERE deleting_since < ?", args: [olderThan] });
  for (const row of rows.rows) {
    const [accountId, id] = [str(row.account_id), str(row.id)];
    await ctx.chunkLocks.run(id, () => finishChunkDeletion(ctx, accountId, id));
  }
  return rows.rows.length;
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
    sql: `SELECT c.account_id, c.id FROM chunks c WHERE c.created_at < ? AND c.deleting_since IS NULL
            AND NOT EXISTS (SELECT 1 FROM version_chunks v WHERE v.account_id = c.account_id AND v.chunk_id = c.id)
            AND NOT EXISTS (SELECT 1 FROM cp_version_chunks v WHERE v.account_id = c.account_id AND v.chunk_id = c.id)`,
    args: [olderThan],
  });
  return rows.rows.map((r) => ({ accountId: str(r.account_id), id: str(r.id) }));
}
