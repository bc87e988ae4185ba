import { open, seal, SEAL_OVERHEAD } from "./aead.ts";
import { concatBytes, constantTimeEqual, fromHex, toHex, utf8 } from "./bytes.ts";
import { IntegrityError, UnsupportedVersionError } from "./errors.ts";
import type { VaultKeys } from "./subkeys.ts";

/** Version of the encrypted-chunk format. */
export const CHUNK_FORMAT_VERSION = 1;
/** Bytes an encrypted chunk adds to its plaintext: version byte + sealed box overhead. */
export const CHUNK_OVERHEAD = 1 + SEAL_OVERHEAD;
const CHUNK_AD_PREFIX = utf8("SAC");
const VERSION_PREFIX = Uint8Array.of(CHUNK_FORMAT_VERSION);

/** A chunk ready to upload. */
export interface EncryptedChunk {
  /** Chunk id: HMAC-SHA-256 of the plaintext, 64 hex characters. */
  id: string;
  /** Plaintext length. */
  size: number;
  /** `version(1) ‖ nonce(12) ‖ commit(32) ‖ ciphertext ‖ tag(16)`. */
  data: Uint8Array<ArrayBuffer>;
}

/**
 * The associated data of a chunk: binds its id and format version.
 * @param id The 32-byte chunk id.
 * @returns `"SAC" ‖ version ‖ id`.
 */
export function chunkAd(id: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(CHUNK_AD_PREFIX, Uint8Array.of(CHUNK_FORMAT_VERSION), id);
}

/**
 * Computes a chunk's id: a keyed hash of its plaintext, so the server can
 * neither read content nor confirm a guess of it, and equal chunks dedup
 * within one vault (rule 3, K2).
 * @param keys The vault keys.
 * @param plaintext The chunk's bytes.
 * @returns The 32-byte id.
 */
export async function chunkIdBytes(keys: VaultKeys, plaintext: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", keys.chunkId, plaintext));
}

/**
 * Encrypts a chunk with its id bound into the AEAD's associated data.
 * @param keys The vault keys.
 * @param plaintext The chunk's bytes.
 * @param nonce Only for known-answer tests; a fresh random nonce otherwise.
 * @returns The id and the encrypted bytes.
 */
export async function encryptChunk(keys: VaultKeys, plaintext: Uint8Array<ArrayBuffer>, nonce?: Uint8Array<ArrayBuffer>): Promise<EncryptedChunk> {
  const id = await chunkIdBytes(keys, plaintext);
  const data = await seal(keys.chunk, plaintext, chunkAd(id), nonce, VERSION_PREFIX);
  return { id: toHex(id), size: plaintext.length, data };
}

/**
 * Decrypts a chunk and checks it is the chunk that was asked for: the AEAD
 * binds the id, and the id is recomputed from the plaintext (rule 3, C6).
 * @param keys The vault keys.
 * @param expectedId The id the chunk was fetched by (hex).
 * @param data The bytes the server returned (untrusted).
 * @returns The plaintext.
 * @throws IntegrityError on any tampering or substitution.
 */
export async function decryptChunk(keys: VaultKeys, expectedId: string, data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  if (data.length < CHUNK_OVERHEAD) throw new IntegrityError("Cannot decrypt chunk: it is truncated");
  if (data[0] !== CHUNK_FORMAT_VERSION) {
    throw new UnsupportedVersionError(`Cannot decrypt chunk: format version ${data[0]} is not supported by this version of SyncAgent`);
  }
  let id: Uint8Array;
  try {
    id = fromHex(expectedId);
  } catch {
    throw new IntegrityError("Cannot decrypt chunk: invalid chunk id");
  }
  if (id.length !== 32) throw new IntegrityError("Cannot decrypt chunk: invalid chunk id");
  const plain = await open(keys.chunk, data.subarray(1), chunkAd(id), "chunk");
  if (!constantTimeEqual(await chunkIdBytes(keys, plain), id)) {
    throw new IntegrityError("Cannot decrypt chunk: its content does not match its id");
  }
  return plain;
}
