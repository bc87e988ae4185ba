import type { GearTable } from "../chunking/gear.ts";
import { resolveChunkParams, type ChunkSizeOptions } from "../chunking/params.ts";
import { chunkStream, type ByteSource } from "../chunking/stream.ts";
import { encryptedChunkLength, type EncryptedChunk } from "../crypto/chunk.ts";
import { CHUNK_HEADER_BYTES, encryptChunkInPlace } from "../crypto/chunk-in-place.ts";
import type { EpochKeys } from "../crypto/subkeys.ts";
import { hintGarbageCollection } from "../runtime/gc.ts";
import { BufferPool } from "./buffer-pool.ts";

/** Options of the upload pipeline. */
export interface EncryptStreamOptions extends ChunkSizeOptions {
  /** The vault's keyed gear table (from `createGearTable(keys.chunkerGearSeed)` of the same epoch's keys). */
  table: GearTable;
  /**
   * Chunks being hashed and encrypted while the next one is read and cut.
   * Bounds memory to about (depth + 2) × maxSize plus the chunker's window. @default 2
   */
  depth?: number;
}

/**
 * An encrypted chunk whose `data` lives in a recycled buffer: call
 * `release()` once it is uploaded (or copied) so the pipeline can reuse the
 * buffer. A chunk never released is simply garbage-collected.
 */
export interface SealedChunk extends EncryptedChunk {
  release(): void;
}

/**
 * The upload pipeline's first stages, overlapped: read → cut (FastCDC) →
 * id (HMAC-SHA-256) → pad (Padmé) → encrypt (AES-256-GCM). Cutting runs on this thread
 * while the ids of earlier chunks are computed off it; at most `depth`
 * chunks are in flight and every buffer is recycled, so memory stays flat
 * whatever the file size (K1, K2, C2).
 * @param source The file's bytes (`readFilePieces(path)` for a file).
 * @param keys The epoch's keys: `keyring.current` (new data uses the newest epoch).
 * @param options Gear table, chunk sizes and depth.
 * @returns Encrypted chunks, in file order.
 */
export async function* encryptStream(
  source: ByteSource,
  keys: EpochKeys,
  options: EncryptStreamOptions,
): AsyncGenerator<SealedChunk, void, undefined> {
  const depth = options.depth ?? 2;
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`Pipeline depth must be a positive integer, got ${depth}`);
  const maxSize = resolveChunkParams(options).maxSize;
  // One recycled buffer per chunk holds its plaintext, then (in place) its
  // padded ciphertext: room for the header, Padmé padding and the tag.
  const pool = new BufferPool(encryptedChunkLength(maxSize), depth + 2);
  const chunkBuffer = (size: number) => pool.acquire(encryptedChunkLength(size)).subarray(CHUNK_HEADER_BYTES);
  const inFlight: Promise<SealedChunk>[] = [];
  const seal = async (chunk: Uint8Array): Promise<SealedChunk> => {
    const buffer = new Uint8Array(chunk.buffer as ArrayBuffer, chunk.byteOffset - CHUNK_HEADER_BYTES);
    try {
      const sealed = await encryptChunkInPlace(keys, buffer, chunk.length);
      return { ...sealed, release: () => pool.release(buffer) };
    } catch (error) {
      pool.release(buffer);
      throw error;
    }
  };
  try {
    for await (const chunk of chunkStream(source, { ...options, chunkBuffer })) {
      inFlight.push(seal(chunk));
      if (inFlight.length >= depth) {
        yield await (inFlight.shift() as Promise<SealedChunk>);
        hintGarbageCollection();
      }
    }
    while (inFlight.length > 0) yield await (inFlight.shift() as Promise<SealedChunk>);
  } finally {
    // A consumer that stops early leaves no unobserved rejection behind.
    for (const pending of inFlight) pending.catch(() => undefined);
  }
}
