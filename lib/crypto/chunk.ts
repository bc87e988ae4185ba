import { COMMIT_BYTES, decryptFailure, NONCE_BYTES, open, seal, SEAL_OVERHEAD, TAG_BYTES } from "./aead.ts";
import { concatBytes, constantTimeEqual, fromHex, toHex, u32be, utf8 } from "./bytes.ts";
import { IntegrityError } from "./errors.ts";
import type { Keyring } from "./keyring.ts";
import { hmacSha256 } from "./mac.ts";
import { OBJECT_FORMAT_VERSION, OBJECT_HEADER_BYTES, writeHeader } from "./object-format.ts";
import { pad, paddedChunkLength, unpad } from "./padding.ts";
import type { EpochKeys } from "./subkeys.ts";

/** Bytes before a chunk's ciphertext: format, epoch, nonce, commitment. */
export const CHUNK_HEADER_BYTES = OBJECT_HEADER_BYTES + NONCE_BYTES + COMMIT_BYTES;
/** Fixed bytes an encrypted chunk adds to its padded plaintext: header and GCM tag. */
export const CHUNK_FIXED_OVERHEAD = CHUNK_HEADER_BYTES + TAG_BYTES;
const CHUNK_AD_PREFIX = utf8("SAC");
const WHAT = "chunk";

/** A chunk ready to upload. */
export interface EncryptedChunk {
  /** Chunk id: HMAC-SHA-256 of the plaintext under the epoch's chunk-id key, 64 hex characters. */
  id: string;
  /** Plaintext length. */
  size: number;
  /** `format(1) ‖ epoch(4) ‖ nonce(12) ‖ commit(32) ‖ AES-GCM(plaintext ‖ padding) ‖ tag(16)`. */
  data: Uint8Array<ArrayBuffer>;
}

/**
 * The stored length of a chunk of `size` plaintext bytes: fixed overhead
 * plus Padmé of `max(size + 1, 1024)` (rule 5).
 * @param size Plaintext length.
 * @returns Bytes the server stores.
 */
export function encryptedChunkLength(size: number): number {
  return CHUNK_FIXED_OVERHEAD + paddedChunkLength(size);
}

/**
 * The associated data of a chunk: binds format, vault, epoch and id.
 * @param keys The epoch's keys.
 * @param id The 32-byte chunk id.
 * @returns `"SAC" ‖ format ‖ vault_id(16) ‖ epoch(4) ‖ id(32)`.
 */
export function chunkAd(keys: EpochKeys, id: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(CHUNK_AD_PREFIX, Uint8Array.of(OBJECT_FORMAT_VERSION), keys.vaultId, u32be(keys.epoch), id);
}

/**
 * Computes a chunk's id: a keyed hash of its plaintext, so the server can
 * neither read content nor confirm a guess of it, and equal chunks dedup
 * within one vault and epoch (rule 3, K2).
 * @param keys The epoch's keys.
 * @param plaintext The chunk's bytes.
 * @returns The 32-byte id.
 */
export function chunkIdBytes(keys: EpochKeys, plaintext: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return hmacSha256(keys.chunkId, plaintext);
}

/**
 * Encrypts a chunk, padded, with its id bound into the associated data
 * (`node:crypto` below `SYNC_MAX_BYTES`, WebCrypto above it and in a
 * browser; the upload pipeline uses `encryptChunkInPlace`, which writes the
 * same bytes).
 * @param keys The epoch's keys (`keyring.current` for new data).
 * @param plaintext The chunk's bytes.
 * @param nonce Only for known-answer tests; a fresh random nonce otherwise.
 * @returns The id and the encrypted bytes.
 */
export async function encryptChunk(keys: EpochKeys, plaintext: Uint8Array<ArrayBuffer>, nonce?: Uint8Array<ArrayBuffer>): Promise<EncryptedChunk> {
  const id = await chunkIdBytes(keys, plaintext);
  const header = new Uint8Array(OBJECT_HEADER_BYTES);
  writeHeader(header, keys.epoch);
  const padded = pad(plaintext, paddedChunkLength(plaintext.length));
  const data = await seal(keys.chunk, padded, chunkAd(keys, id), nonce, header);
  return { id: toHex(id), size: plaintext.length, data };
}

/**
 * Decrypts a chunk and checks it is the chunk that was asked for: the AEAD
 * binds vault, epoch and id, and the id is recomputed from the plaintext
 * (rule 3, C6). Every failure of the decryption itself gives one message.
 * @param keyring The vault's keyring (the chunk's header names its epoch).
 * @param expectedId The id the chunk was fetched by (hex).
 * @param data The bytes the server returned (untrusted).
 * @returns The plaintext (padding removed).
 * @throws IntegrityError on any tampering or substitution; UnsupportedVersionError for an unknown format.
 */
export async function decryptChunk(keyring: Keyring, expectedId: string, data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const keys = keyring.keysFor(data, WHAT, OBJECT_HEADER_BYTES + SEAL_OVERHEAD + 1);
  const failure = () => new IntegrityError(decryptFailure(WHAT));
  if (!/^[0-9a-f]{64}$/.test(expectedId)) throw failure();
  const id = fromHex(expectedId);
  const padded = await open(keys.chunk, data.subarray(OBJECT_HEADER_BYTES), chunkAd(keys, id), WHAT);
  const plain = unpad(padded, paddedChunkLength);
  if (!plain || !constantTimeEqual(await chunkIdBytes(keys, plain), id)) throw failure();
  return plain;
}
