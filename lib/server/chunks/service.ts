/**
 * Chunk upload, download and presence (S6). The store is written first and
 * the `chunks` row second, so a row always means the bytes are stored; the
 * row keeps the stored length and SHA-256, and downloads verify the length.
 */
import type { ServerContext } from "../context.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { HttpError } from "../http/errors.ts";
import { tooLarge } from "../http/validate.ts";
import { str } from "../db/row.ts";

/** A stored chunk's row. */
export interface ChunkInfo {
  id: string;
  size: number;
  sha256: string;
}

/**
 * Stores a chunk (streaming) and records it for the account.
 * @param ctx The server context.
 * @param owner The account and machine uploading.
 * @param id The chunk id.
 * @param body The bytes.
 * @returns What was stored.
 */
export async function putChunk(
  ctx: ServerContext,
  owner: { accountId: string; machineId: string | null },
  id: string,
  body: Uint8Array | ReadableStream<Uint8Array>,
): Promise<ChunkInfo> {
  return ctx.metrics.time("chunk.put", () =>
    ctx.chunkLocks.run(id, async () => {
      let stored;
      try {
        stored = await ctx.store.put(id, body, { maxSize: ctx.config.maxChunkBytes });
      } catch (error) {
        throw storeError(error, ctx.config.maxChunkBytes);
      }
      // Every write goes through the process's write queue (see db/tx.ts).
      await withWriteTransaction(ctx.db, (tx) =>
        tx.execute({
          sql: `INSERT INTO chunks (account_id, id, size, sha256, created_at, machine_id) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (account_id, id) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256`,
          args: [owner.accountId, id, stored.size, stored.sha256, Date.now(), owner.machineId],
        }),
      );
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
  const result = await ctx.db.execute({ sql: "SELECT id, size, sha256 FROM chunks WHERE account_id = ? AND id = ?", args: [accountId, id] });
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
  const stat = await ctx.store.stat(id);
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
  const raw = await ctx.store.get(id);
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
      sql: `SELECT id FROM chunks WHERE account_id = ? AND id IN (${slice.map(() => "?").join(", ")})`,
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
