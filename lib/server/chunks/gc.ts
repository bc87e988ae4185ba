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
 * An upload claims an id only while it has no row, reads the generation
 * before it stores bytes and records its row only if no deletion started
 * meanwhile (service.ts), so it never records a row whose bytes step 2
 * removed. Chunks, references and objects are scoped by vault (v2).
 *
 * A packed chunk (pack.ts) has no object of its own: step 2 deletes its
 * pack when no live row points into the pack any more (every row of it is
 * marked, this one included), else nothing. Since no upload ever points
 * into an existing pack, that decision cannot be overtaken. Whichever
 * deletion is marked last sees no live row and deletes the pack; the pack
 * goes before the row is removed, so a crash in between leaves a marked row
 * that {@link finishStaleDeletions} completes (deleting a missing pack is
 * fine), never an unreachable pack.
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
 * @param vaultId Whose chunk.
 * @param id The chunk id.
 * @returns The chunk's stored size when marked; null when referenced, absent or already being deleted.
 */
export async function markChunkDeleting(ctx: ServerContext, vaultId: string, id: string): Promise<{ size: number } | null> {
  return withWriteTransaction(ctx.db, async (tx) => {
    const refs = await tx.execute({
      sql: `SELECT EXISTS (SELECT 1 FROM version_chunks WHERE vault_id = ? AND chunk_id = ?)
                OR EXISTS (SELECT 1 FROM cp_version_chunks WHERE vault_id = ? AND chunk_id = ?) AS used`,
      args: [vaultId, id, vaultId, id],
    });
    if (Number(refs.rows[0]?.used) !== 0) return null;
    const marked = await tx.execute({
      sql: "UPDATE chunks SET deleting_since = ? WHERE vault_id = ? AND id = ? AND deleting_since IS NULL RETURNING size",
      args: [Date.now(), vaultId, id],
    });
    if (marked.rows.length === 0) return null;
    await tx.execute({
      sql: `INSERT INTO chunk_deletions (vault_id, id, generation) VALUES (?, ?, 1)
            ON CONFLICT (vault_id, id) DO UPDATE SET generation = chunk_deletions.generation + 1`,
      args: [vaultId, id],
    });
    return { size: Number(marked.rows[0]?.size) };
  });
}

/**
 * Steps 2 and 3: deletes a marked chunk's bytes, then its row.
 * @param ctx The server context.
 * @param vaultId Whose chunk.
 * @param id The chunk id.
 */
export async function finishChunkDeletion(ctx: ServerContext, vaultId: string, id: string): Promise<void> {
  const row = await ctx.db.execute({
    sql: "SELECT pack_key FROM chunks WHERE vault_id = ? AND id = ? AND deleting_since IS NOT NULL",
    args: [vaultId, id],
  });
  const packKey = row.rows[0]?.pack_key;
  if (packKey === null || packKey === undefined) await ctx.store.delete(storageKey(vaultId, id));
  else {
    // Marks only ever grow and no row ever joins a pack, so once this reads no live row none comes back.
    const live = await ctx.db.execute({
      sql: "SELECT EXISTS (SELECT 1 FROM chunks WHERE pack_key = ? AND deleting_since IS NULL) AS live",
      args: [packKey],
    });
    if (Number(live.rows[0]?.live) === 0) {
      await ctx.store.delete(str(packKey));
      ctx.metrics.count("chunk.packs_deleted", 1);
    }
  }
  await withWriteTransaction(ctx.db, (tx) =>
    tx.execute({ sql: "DELETE FROM chunks WHERE vault_id = ? AND id = ? AND deleting_since IS NOT NULL", args: [vaultId, id] }),
  );
}

/**
 * Deletes those candidate chunks of a vault that nothing references.
 * @param ctx The server context.
 * @param vaultId Whose chunks.
 * @param candidates Chunk ids that may have lost their last reference.
 * @returns How many chunks and bytes were removed.
 */
export async function collectChunks(ctx: ServerContext, vaultId: string, candidates: Iterable<string>): Promise<GcResult> {
  const out: GcResult = { chunksDeleted: 0, bytesFreed: 0 };
  for (const id of new Set(candidates)) {
    await ctx.chunkLocks.run(`${vaultId}:${id}`, async () => {
      const marked = await markChunkDeleting(ctx, vaultId, id);
      if (!marked) return;
      await finishChunkDeletion(ctx, vaultId, id);
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
  const rows = await ctx.db.execute({ sql: "SELECT vault_id, id FROM chunks WHERE deleting_since < ?", args: [olderThan] });
  for (const row of rows.rows) {
    const [vaultId, id] = [str(row.vault_id), str(row.id)];
    await ctx.chunkLocks.run(`${vaultId}:${id}`, () => finishChunkDeletion(ctx, vaultId, id));
  }
  return rows.rows.length;
}

/**
 * Chunks last uploaded before `olderThan` that no version references
 * (uploads whose commit never came). A re-upload of an existing id
 * refreshes `uploaded_at`, so the client that is about to commit it gets a
 * full grace period again.
 * @param ctx The server context.
 * @param olderThan Epoch ms; younger uploads may still be committed.
 * @returns Account, vault and chunk id of each.
 */
export async function findOrphanChunks(ctx: ServerContext, olderThan: number): Promise<{ accountId: string; vaultId: string; id: string }[]> {
  const rows = await ctx.db.execute({
    sql: `SELECT c.account_id, c.vault_id, c.id FROM chunks c WHERE c.uploaded_at < ? AND c.deleting_since IS NULL
            AND NOT EXISTS (SELECT 1 FROM version_chunks v WHERE v.vault_id = c.vault_id AND v.chunk_id = c.id)
            AND NOT EXISTS (SELECT 1 FROM cp_version_chunks v WHERE v.vault_id = c.vault_id AND v.chunk_id = c.id)`,
    args: [olderThan],
  });
  return rows.rows.map((r) => ({ accountId: str(r.account_id), vaultId: str(r.vault_id), id: str(r.id) }));
}
