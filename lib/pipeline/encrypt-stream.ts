import { chunkStream, type ByteSource } from "../chunking/stream.ts";
import type { ChunkSizeOptions } from "../chunking/params.ts";
import type { GearTable } from "../chunking/gear.ts";
import { encryptChunk, type EncryptedChunk } from "../crypto/chunk.ts";
import type { VaultKeys } from "../crypto/subkeys.ts";

/** Options of the upload pipeline. */
export interface EncryptStreamOptions extends ChunkSizeOptions {
  /** The vault's keyed gear table (from `createGearTable(keys.chunkerGearSeed)`). */
  table: GearTable;
  /**
   * Chunks hashed and encrypted at once while the next ones are read and cut.
   * Bounds memory to about (depth + 2) × maxSize. @default 3
   */
  depth?: number;
}

/**
 * The upload pipeline's first stages, overlapped: read → cut (FastCDC) →
 * id (HMAC-SHA-256) → encrypt (AES-256-GCM). Cutting runs on this thread
 * while WebCrypto hashes and encrypts earlier chunks off it, so the stages
 * overlap; at most `depth` chunks are in flight, so memory stays flat
 * whatever the file size (K1, K2, C2).
 * @param source The file's bytes.
 * @param keys The vault keys.
 * @param options Gear table, chunk sizes and depth.
 * @returns Encrypted chunks, in file order.
 */
export async function* encryptStream(
  source: ByteSource,
  keys: VaultKeys,
  options: EncryptStreamOptions,
): AsyncGenerator<EncryptedChunk, void, undefined> {
  const depth = options.depth ?? 3;
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`Pipeline depth must be a positive integer, got ${depth}`);
  const inFlight: Promise<EncryptedChunk>[] = [];
  try {
    for await (const chunk of chunkStream(source, options)) {
      inFlight.push(encryptChunk(keys, chunk as Uint8Array<ArrayBuffer>));
      if (inFlight.length >= depth) yield await (inFlight.shift() as Promise<EncryptedChunk>);
    }
    while (inFlight.length > 0) yield await (inFlight.shift() as Promise<EncryptedChunk>);
  } finally {
    // A consumer that stops early leaves no unobserved rejection behind.
    for (const pending of inFlight) pending.catch(() => undefined);
  }
}
