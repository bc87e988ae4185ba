import { createCipheriv, createHmac } from "node:crypto";
import { COMMIT_BYTES, NONCE_BYTES, TAG_BYTES } from "./aead.ts";
import { randomBytes, toHex } from "./bytes.ts";
import { chunkAd, chunkIdBytes, CHUNK_FORMAT_VERSION, CHUNK_OVERHEAD, type EncryptedChunk } from "./chunk.ts";
import type { VaultKeys } from "./subkeys.ts";

/** Where a chunk's plaintext starts inside an in-place buffer: after version, nonce and commitment. */
export const CHUNK_HEADER_BYTES = 1 + NONCE_BYTES + COMMIT_BYTES;

/** AES-GCM is fed this many bytes at a time; each piece's ciphertext replaces its plaintext. */
const SLICE = 256 * 1024;

/**
 * Encrypts a chunk in place, in a buffer the caller recycles: the same bytes
 * as `encryptChunk` (format v1), without a fresh multi-megabyte output per
 * chunk. The plaintext sits at `buffer[CHUNK_HEADER_BYTES, +size)`; on return
 * `buffer[0, size + CHUNK_OVERHEAD)` holds the encrypted chunk. The chunk id
 * (HMAC over the whole plaintext) runs on WebCrypto, off this thread where
 * the runtime allows; AES-256-GCM runs through `node:crypto`, piece by piece,
 * each piece's ciphertext written over its plaintext.
 *
 * Why not WebCrypto for AES too: every WebCrypto call returns a new buffer
 * the size of the chunk, and the upload pipeline then peaked at 200–250 MB
 * RSS on Node and Bun; in place it stays near 150 MB (scripts/bench/pipeline).
 * @param keys The vault keys.
 * @param buffer Holds the plaintext after a `CHUNK_HEADER_BYTES` gap; capacity ≥ size + CHUNK_OVERHEAD.
 * @param size Plaintext length.
 * @param nonce Only for known-answer tests.
 * @returns The id, the size and `data`, a view of `buffer`.
 */
export async function encryptChunkInPlace(
  keys: VaultKeys,
  buffer: Uint8Array,
  size: number,
  nonce: Uint8Array = randomBytes(NONCE_BYTES),
): Promise<EncryptedChunk> {
  const length = size + CHUNK_OVERHEAD;
  if (!Number.isSafeInteger(size) || size < 0 || buffer.length < length) {
    throw new RangeError(`Chunk buffer too small: ${buffer.length} bytes for a ${size}-byte chunk`);
  }
  if (nonce.length !== NONCE_BYTES) throw new RangeError("A nonce is 12 bytes");
  const plaintext = buffer.subarray(CHUNK_HEADER_BYTES, CHUNK_HEADER_BYTES + size) as Uint8Array<ArrayBuffer>;
  const id = await chunkIdBytes(keys, plaintext);
  const ad = chunkAd(id);
  buffer[0] = CHUNK_FORMAT_VERSION;
  buffer.set(nonce, 1);
  buffer.set(createHmac("sha256", keys.chunkRaw.commit).update(nonce).update(ad).digest(), 1 + NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keys.chunkRaw.enc, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(ad);
  let written = CHUNK_HEADER_BYTES;
  for (let read = 0; read < size; read += SLICE) {
    const piece = cipher.update(plaintext.subarray(read, Math.min(size, read + SLICE)));
    buffer.set(piece, written);
    written += piece.length;
  }
  const last = cipher.final();
  buffer.set(last, written);
  written += last.length;
  buffer.set(cipher.getAuthTag(), written);
  return { id: toHex(id), size, data: buffer.subarray(0, length) as Uint8Array<ArrayBuffer> };
}
