/**
 * Batch transfers of small chunks (S6, DESIGN §3): many chunks per request
 * both ways, in the binary framing of frames.ts, so 50,000 small files move
 * in tens of requests. Uploads are checked per chunk (digest) and stored
 * with one claim and one recording transaction, the new small chunks of a
 * request as one pack object (pack.ts); downloads stream, reading packed
 * chunks by range, one read for each run of neighbours in a pack (read-plan.ts).
 */
import type { ServerContext } from "../context.ts";
import { tooLarge } from "../http/validate.ts";
import { encodeFrameHeader, MISSING_LENGTH, type Frame } from "./frames.ts";
import { planReads, type PlannedRead } from "./read-plan.ts";
import { storageKey } from "./storage-key.ts";
import { chunkInfos, openStoredChunk, sha256Hex, storeChunks, type ChunkOwner, type ChunkRecord, type ChunkResult } from "./service.ts";

/** Most chunks in one batch request, either way. */
export const MAX_BATCH_CHUNKS = 4096;
/** Most bytes of one batch request body, or of one batch download's chunks. */
export const MAX_BATCH_BYTES = 32 * 1024 * 1024;

/** Reads (a chunk, or a run of packed chunks of at most 256 KiB) done ahead of the one being sent in a batch download. */
const PREFETCH = 16;
/** Chunks up to this size are read whole, larger ones streamed. */
const READ_WHOLE_BYTES = 256 * 1024;

interface Part {
  header: Uint8Array;
  bytes?: Uint8Array;
  stream?: ReadableStream<Uint8Array>;
}

/** A chunk of a batch download and its row (none: the vault lacks it). */
interface Wanted {
  id: string;
  info: ChunkRecord | undefined;
}

const vanished = (id: string): Error => new Error(`Chunk ${id} vanished from the store during a batch download`);

/** Reads a run of packed chunks with one ranged read and cuts it into their frames; each chunk's length is checked. */
async function loadRun(ctx: ServerContext, run: Extract<PlannedRead<Wanted>, { kind: "run" }>): Promise<Part[]> {
  const bytes = await ctx.store.getRange(run.key, run.offset, run.length);
  return run.members.map(({ item, at, length }) => {
    const info = item.info as ChunkRecord;
    if (!bytes) throw vanished(item.id);
    const got = Math.max(0, Math.min(length, bytes.byteLength - at));
    if (got !== info.size) {
      ctx.logger.error({ chunk: info.id, pack: run.key, expected: info.size, got }, "chunk length mismatch");
      throw vanished(item.id);
    }
    ctx.metrics.count("chunk.bytes_out", got);
    return { header: encodeFrameHeader(item.id, info.sha256, info.size), bytes: bytes.subarray(at, at + length) };
  });
}

/** Does one planned read. */
async function loadRead(ctx: ServerContext, vaultId: string, read: PlannedRead<Wanted>, infos: Map<string, ChunkRecord>): Promise<Part[]> {
  if (read.kind === "run") return loadRun(ctx, read);
  return [await loadPart(ctx, vaultId, read.item.id, infos)];
}

/** Reads a chunk that is not in a pack (or a missing one's frame). */
async function loadPart(ctx: ServerContext, vaultId: string, id: string, infos: Map<string, ChunkRecord>): Promise<Part> {
  const info = infos.get(id);
  if (!info) return { header: encodeFrameHeader(id, null, MISSING_LENGTH) };
  const header = encodeFrameHeader(id, info.sha256, info.size);
  if (info.size <= READ_WHOLE_BYTES && ctx.store.getBytes) {
    const bytes = await ctx.store.getBytes(storageKey(vaultId, id), info.size).catch((error: unknown) => {
      if ((error as Error).name === "TooLargeError") throw new Error(`Chunk ${id} is longer than stored`);
      throw error;
    });
    if (!bytes) throw new Error(`Chunk ${id} vanished from the store during a batch download`);
    if (bytes.byteLength !== info.size) {
      ctx.logger.error({ chunk: id, expected: info.size, got: bytes.byteLength }, "chunk length mismatch");
      throw new Error(`Chunk ${id} is shorter than stored`);
    }
    ctx.metrics.count("chunk.bytes_out", bytes.byteLength);
    return { header, bytes };
  }
  const stream = await openStoredChunk(ctx, vaultId, info);
  if (!stream) throw new Error(`Chunk ${id} vanished from the store during a batch download`);
  if (info.size > READ_WHOLE_BYTES) return { header, stream };
  return { header, bytes: new Uint8Array(await new Response(stream).arrayBuffer()) };
}

/** A batch upload's result for one chunk. */
export type BatchResult = ChunkResult | { id: string; status: "digest_mismatch" };

/**
 * Stores the frames of a batch upload.
 * @param ctx The server context.
 * @param owner The vault and uploader.
 * @param frames The decoded frames (a missing-chunk frame is ignored).
 * @returns One result per distinct id, in first-seen order.
 */
export async function uploadBatch(ctx: ServerContext, owner: ChunkOwner, frames: readonly Frame[]): Promise<BatchResult[]> {
  const mismatched = new Map<string, BatchResult>();
  const good: { id: string; bytes: Uint8Array; sha256?: string }[] = [];
  const goodIds = new Set<string>();
  for (const f of frames) {
    if (!f.bytes || mismatched.has(f.id)) continue;
    if (f.sha256 !== null && sha256Hex(f.bytes) !== f.sha256) {
      if (!goodIds.has(f.id)) mismatched.set(f.id, { id: f.id, status: "digest_mismatch" });
      continue;
    }
    goodIds.add(f.id);
    good.push(f.sha256 === null ? { id: f.id, bytes: f.bytes } : { id: f.id, bytes: f.bytes, sha256: f.sha256 });
  }
  // The new small chunks of the request become one pack object (pack.ts).
  const stored = new Map((await storeChunks(ctx, owner, good, { pack: true })).map((r) => [r.id, r as BatchResult]));
  const out: BatchResult[] = [];
  const seen = new Set<string>();
  for (const f of frames) {
    if (seen.has(f.id)) continue;
    const result = stored.get(f.id) ?? mismatched.get(f.id);
    if (result) {
      seen.add(f.id);
      out.push(result);
    }
  }
  return out;
}

/**
 * Opens a batch download: the frames of `ids` (distinct, in first-seen
 * order), streamed one chunk after another; a chunk the vault does not hold
 * is a missing-chunk frame.
 * @param ctx The server context.
 * @param vaultId Whose chunks.
 * @param ids The chunk ids.
 * @returns The body stream and its exact length.
 * @throws HttpError 413 when the chunks add up to more than {@link MAX_BATCH_BYTES}.
 */
export async function openBatch(ctx: ServerContext, vaultId: string, ids: readonly string[]): Promise<{ body: ReadableStream<Uint8Array>; length: number }> {
  const unique = [...new Set(ids)];
  const infos = await chunkInfos(ctx.db, vaultId, unique);
  let length = 0;
  let bytes = 0;
  for (const id of unique) {
    const size = infos.get(id)?.size ?? 0;
    bytes += size;
    length += 68 + size;
  }
  if (bytes > MAX_BATCH_BYTES) throw tooLarge(MAX_BATCH_BYTES);
  // Up to PREFETCH reads are done ahead while earlier chunks are sent; small
  // chunks whole (verified length), neighbours in a pack in one read, large
  // ones as a stream.
  const reads = planReads<Wanted>(unique.map((id) => ({ id, info: infos.get(id) })), (w) => w.info?.pack ?? null);
  const ahead: Promise<Part[]>[] = [];
  const ready: Part[] = [];
  let queued = 0;
  let current: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const fill = (): void => {
    while (queued < reads.length && ahead.length < PREFETCH) {
      const parts = loadRead(ctx, vaultId, reads[queued] as PlannedRead<Wanted>, infos);
      parts.catch(() => undefined);
      ahead.push(parts);
      queued++;
    }
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (current) {
        const { done, value } = await current.read();
        if (!done) return controller.enqueue(value);
        current = undefined;
      }
      fill();
      if (ready.length === 0) {
        const next = ahead.shift();
        if (!next) return controller.close();
        ready.push(...(await next));
        fill();
      }
      const part = ready.shift() as Part;
      controller.enqueue(part.header);
      if (part.bytes) controller.enqueue(part.bytes);
      if (part.stream) current = part.stream.getReader();
    },
    async cancel(reason) {
      await current?.cancel(reason).catch(() => undefined);
      for (const part of ready.splice(0)) await part.stream?.cancel().catch(() => undefined);
      for (const pending of ahead.splice(0)) {
        for (const part of (await pending.catch(() => null)) ?? []) await part.stream?.cancel().catch(() => undefined);
      }
    },
  });
  return { body, length };
}
