/**
 * Chunk upload, download and presence (S6). The store is written first and
 * the `chunks` row second, so a row always means the bytes are stored; the
 * row keeps the stored length and SHA-256, and downloads verify the length.
 */
import type { ServerContext } from "../context.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { HttpError } from "../http/errors.ts";
import { tooLarge } from "../http/validate.ts";
import { str } from "../../db/row.ts";
import type { Executor } from "../../events/store.ts";
import { storageKey } from "./storage-key.ts";

/** A stored chunk's row. */
export interface ChunkInfo {
  id: string;
  size: number;
  sha256: string;
}

/** Answered when a deletion of the same chunk started during an upload: the client uploads again. */
export function chunkBusy(id: string): HttpError {
  return new HttpError(503, "chunk_busy", `Chunk ${id} was being deleted during the upload: upload it again`, { retryAfterSeconds: 1 });
}

/**
 * The chunk's deletion generation: bumped by every deletion that starts
 * (gc.ts). An upload compares it before storing and before recording.
 * @param db The database (or a transaction).
 * @param accountId Whose chunk.
 * @param id The chunk id.
 * @returns The generation, 0 when never deleted.
 */
export async function deletionGeneration(db: Executor, accountId: string, id: string): Promise<number> {
  const result = await db.execute({ sql: "SELECT generation FROM chunk_deletions WHERE account_id = ? AND id = ?", args: [accountId, id] });
  return Number(result.rows[0]?.generation ?? 0);
}

/**
 * Records a chunk whose bytes are stored, unless a deletion of it started
 * since `generation` was read (its bytes may be gone) or is in progress.
 * @param ctx The server context.
 * @param owner The account and machine uploading.
 * @param stored What the store reported.
 * @param generation The deletion generation read before storing.
 * @throws HttpError 503 `chunk_busy` when the upload must be repeated.
 */
export async function recordStoredChunk(
  ctx: ServerContext,
  owner: { accountId: string; machineId: string | null },
  stored: { key: string; size: number; sha256: string; id: string },
  generation: number,
): Promise<void> {
  await withWriteTransaction(ctx.db, async (tx) => {
    const deleting = await tx.execute({
      sql: "SELECT 1 FROM chunks WHERE account_id = ? AND id = ? AND deleting_since IS NOT NULL",
      args: [owner.accountId, stored.id],
    });
    if (deleting.rows.length > 0 || (await deletionGeneration(tx, owner.accountId, stored.id)) !== generation) throw chunkBusy(stored.id);
    await tx.execute({
      sql: `INSERT INTO chunks (account_id, id, size, sha256, created_at, machine_id) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (account_id, id) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256`,
      args: [owner.accountId, stored.id, stored.size, stored.sha256, Date.now(), owner.machineId],
    });
  });
}

/**
 * Stores a chunk (streaming) and records it for the account.
 * @param ctx The server context.
 * @param owner The account and machine uploading.
 * @param id The chunk id.
 * @param body The bytes.
 * @returns What was stored.
 * @throws HttpError 503 `chunk_busy` when a deletion of the chunk ran meanwhile.
 */
export async function putChunk(
  ctx: ServerContext,
  owner: { accountId: string; machineId: string | null },
  id: string,
  body: Uint8Array | ReadableStream<Uint8Array>,
): Promise<ChunkInfo> {
  return ctx.metrics.time("chunk.put", () =>
    ctx.chunkLocks.run(id, async () => {
      const generation = await deletionGeneration(ctx.db, owner.accountId, id);
      const key = storageKey(owner.accountId, id);
      let stored;
      try {
        stored = await ctx.store.put(key, body, { maxSize: ctx.config.maxChunkBytes });
      } catch (error) {
        throw storeError(error, ctx.config.maxChunkBytes);
      }
      await recordStoredChunk(ctx, owner, { id, key, size: stored.size, sha256: stored.sha256 }, generation);
      ctx.metrics.count("chunk.bytes_in", stored.size);
      return { id, size: stored.size, sha256: stored.sha256 };
    }),
  );
}

/**
 * Reads a chunk's row.
 * @param ctx The server context.
 * @param accountId Whose chunk.
 * @param id The chunk id.
 * @returns The row, or null.
 */
export async function chunkInfo(ctx: ServerContext, accountId: string, id: string): Promise<ChunkInfo | null> {
  const result = await ctx.db.execute({
    sql: "SELECT id, size, sha256 FROM chunks WHERE account_id = ? AND id = ? AND deleting_since IS NULL",
    args: [accountId, id],
  });
  const row = result.rows[0];
  return row ? { id: str(row.id), size: Number(row.size), sha256: str(row.sha256) } : null;
}

/**
 * Whether a chunk is present: its row exists and the store holds that many bytes.
 * @param ctx The server context.
 * @param accountId Whose chunk.
 * @param id The chunk id.
 * @returns The row when present, else null.
 */
export async function presentChunk(ctx: ServerContext, accountId: string, id: string): Promise<ChunkInfo | null> {
  const info = await chunkInfo(ctx, accountId, id);
  if (!info) return null;
  const stat = await ctx.store.stat(storageKey(accountId, id));
  return stat && stat.size === info.size ? info : null;
}

/**
 * Opens a chunk for download; the stream fails if the store returns a
 * different number of bytes than were stored.
 * @param ctx The server context.
 * @param accountId Whose chunk.
 * @param id The chunk id.
 * @returns The row and the verified stream, or null when absent.
 */
export async function openChunk(
  ctx: ServerContext,
  accountId: string,
  id: string,
): Promise<{ info: ChunkInfo; body: ReadableStream<Uint8Array> } | null> {
  const info = await chunkInfo(ctx, accountId, id);
  if (!info) return null;
  const raw = await ctx.store.get(storageKey(accountId, id));
  if (!raw) {
    ctx.logger.error({ chunk: id }, "chunk row without stored bytes");
    return null;
  }
  let seen = 0;
  const verify = new TransformStream<Uint8Array, Uint8Array>({
    transform(part, controller) {
      seen += part.byteLength;
      if (seen > info.size) controller.error(new Error(`Chunk ${id} is longer than stored`));
      else controller.enqueue(part);
    },
    flush(controller) {
      if (seen !== info.size) {
        ctx.logger.error({ chunk: id, expected: info.size, got: seen }, "chunk length mismatch");
        controller.error(new Error(`Chunk ${id} is shorter than stored`));
      } else ctx.metrics.count("chunk.bytes_out", seen);
    },
  });
  return { info, body: raw.pipeThrough(verify) };
}

/**
 * Which of `ids` the account does not have.
 * @param ctx The server context.
 * @param accountId Whose chunks.
 * @param ids Chunk ids.
 * @returns The missing ids, in first-seen order, without duplicates.
 */
export async function missingChunks(ctx: ServerContext, accountId: string, ids: readonly string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  const present = new Set<string>();
  for (let i = 0; i < unique.length; i += 500) {
    const slice = unique.slice(i, i + 500);
    const result = await ctx.db.execute({
      sql: `SELECT id FROM chunks WHERE account_id = ? AND deleting_since IS NULL AND id IN (${slice.map(() => "?").join(", ")})`,
      args: [accountId, ...slice],
    });
    for (const row of result.rows) present.add(str(row.id));
  }
  return unique.filter((id) => !present.has(id));
}

function storeError(error: unknown, max: number): unknown {
  const name = (error as Error | undefined)?.name;
  if (name === "TooLargeError") return tooLarge(max);
  if (name === "InvalidKeyError") return new HttpError(422, "invalid_request", "Invalid chunk id");
  if (name === "IntegrityError") return new HttpError(400, "integrity", "The chunk body did not match its expected length or hash");
  return error;
}
