import { createCipheriv, createHmac } from "node:crypto";
import { NONCE_BYTES, TAG_BYTES } from "./aead.ts";
import { nativeSealKey } from "./aead-native.ts";
import { toHex } from "./bytes.ts";
import { CHUNK_HEADER_BYTES, chunkAd, chunkIdBytes, encryptedChunkLength, type EncryptedChunk } from "./chunk.ts";
import { freshNonce } from "./nonce.ts";
import { OBJECT_HEADER_BYTES, writeHeader } from "./object-format.ts";
import { paddedChunkLength } from "./padding.ts";
import type { EpochKeys } from "./subkeys.ts";

export { CHUNK_HEADER_BYTES } from "./chunk.ts";

/** AES-GCM is fed this many bytes at a time; each piece's ciphertext replaces its plaintext. */
const SLICE = 256 * 1024;

/**
 * Encrypts a chunk in place, in a buffer the caller recycles: the same bytes
 * as `encryptChunk` (format v2, padded), without a fresh multi-megabyte
 * output per chunk. The plaintext sits at `buffer[CHUNK_HEADER_BYTES, +size)`;
 * the padding is written after it, and on return
 * `buffer[0, encryptedChunkLength(size))` holds the encrypted chunk. The chunk
 * id (HMAC over the plaintext) runs on WebCrypto, off this thread where the
 * runtime allows, from `SYNC_MAX_BYTES` up (`node:crypto` below it);
 * AES-256-GCM runs through `node:crypto`, piece by piece,
 * each piece's ciphertext written over its plaintext.
 *
 * Why not WebCrypto for AES too: every WebCrypto call returns a new buffer
 * the size of the chunk, and the upload pipeline then peaked at 200–250 MB
 * RSS on Node and Bun; in place it stays near 150 MB (scripts/bench/pipeline).
 * @param keys The epoch's keys (`keyring.current`).
 * @param buffer Holds the plaintext after a `CHUNK_HEADER_BYTES` gap; capacity ≥ `encryptedChunkLength(size)`.
 * @param size Plaintext length.
 * @param nonce Only for known-answer tests.
 * @returns The id, the size and `data`, a view of `buffer`.
 */
export async function encryptChunkInPlace(
  keys: EpochKeys,
  buffer: Uint8Array,
  size: number,
  nonce: Uint8Array = freshNonce(),
): Promise<EncryptedChunk> {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`Not a chunk size: ${size}`);
  const length = encryptedChunkLength(size);
  if (buffer.length < length) throw new RangeError(`Chunk buffer too small: ${buffer.length} bytes for a ${size}-byte chunk`);
  if (nonce.length !== NONCE_BYTES) throw new RangeError("A nonce is 12 bytes");
  const plaintext = buffer.subarray(CHUNK_HEADER_BYTES, CHUNK_HEADER_BYTES + size) as Uint8Array<ArrayBuffer>;
  const twin = nativeSealKey(keys.chunk);
  if (!twin) throw new Error("The chunk key has no node:crypto twin");
  const id = await chunkIdBytes(keys, plaintext);
  const padded = paddedChunkLength(size);
  // Padding: 0x80 then zeros; the buffer is recycled, so the zeros are written.
  buffer[CHUNK_HEADER_BYTES + size] = 0x80;
  buffer.fill(0, CHUNK_HEADER_BYTES + size + 1, CHUNK_HEADER_BYTES + padded);
  const ad = chunkAd(keys, id);
  writeHeader(buffer, keys.epoch);
  buffer.set(nonce, OBJECT_HEADER_BYTES);
  buffer.set(createHmac("sha256", twin.commit).update(nonce).update(ad).digest(), OBJECT_HEADER_BYTES + NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", twin.enc, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(ad);
  const body = buffer.subarray(CHUNK_HEADER_BYTES, CHUNK_HEADER_BYTES + padded);
  let written = CHUNK_HEADER_BYTES;
  for (let read = 0; read < padded; read += SLICE) {
    const piece = cipher.update(body.subarray(read, Math.min(padded, read + SLICE)));
    buffer.set(piece, written);
    written += piece.length;
  }
  const last = cipher.final();
  buffer.set(last, written);
  written += last.length;
  buffer.set(cipher.getAuthTag(), written);
  return { id: toHex(id), size, data: buffer.subarray(0, length) as Uint8Array<ArrayBuffer> };
}
