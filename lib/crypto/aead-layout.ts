/** The sealed box's sizes, key type and failure message, shared by both backends of `aead.ts`. */

/** Nonce length of AES-256-GCM, bytes. */
export const NONCE_BYTES = 12;
/** Key-commitment tag length (HMAC-SHA-256), bytes. */
export const COMMIT_BYTES = 32;
/** Full GCM tag length, bytes: never truncated (rule 7). */
export const TAG_BYTES = 16;
/** Bytes a sealed box adds to its plaintext. */
export const SEAL_OVERHEAD = NONCE_BYTES + COMMIT_BYTES + TAG_BYTES;

/**
 * The one message of every failed decryption of an object kind: a server
 * that reads the errors agents report cannot tell which check failed (rule 7).
 * @param what The object kind (`chunk`, `manifest`, `name`…).
 * @returns `Cannot decrypt <what>: it was altered or does not belong here`.
 */
export function decryptFailure(what: string): string {
  return `Cannot decrypt ${what}: it was altered or does not belong here`;
}

/**
 * A key for committed AEAD: an AES-256-GCM key and an HMAC-SHA-256 key, both
 * derived from one secret. The HMAC of (nonce ‖ AD) under the commitment key
 * travels with each box, so a box opens under one key only: AES-GCM alone is
 * not key-committing.
 */
export interface SealKey {
  enc: CryptoKey;
  commit: CryptoKey;
}
