import { concatBytes, randomBytes } from "./bytes.ts";
import { IntegrityError } from "./errors.ts";

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

/**
 * Imports a committed-AEAD key pair from two raw 32-byte keys.
 * @param encRaw 32 bytes for AES-256-GCM.
 * @param commitRaw 32 bytes for HMAC-SHA-256.
 * @returns Non-extractable WebCrypto keys.
 */
export async function importSealKey(encRaw: Uint8Array<ArrayBuffer>, commitRaw: Uint8Array<ArrayBuffer>): Promise<SealKey> {
  const [enc, commit] = await Promise.all([
    crypto.subtle.importKey("raw", encRaw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]),
    crypto.subtle.importKey("raw", commitRaw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
  ]);
  return { enc, commit };
}

/**
 * Encrypts and authenticates `plaintext` bound to `ad`.
 * @param key The committed-AEAD key.
 * @param plaintext Bytes to encrypt.
 * @param ad Associated data: authenticated, not stored.
 * @param nonce A fresh random nonce; only known-answer tests pass their own.
 * @param prefix Bytes written before the box in the same buffer (a format's version byte), saving a copy.
 * @returns `prefix ‖ nonce(12) ‖ commit(32) ‖ ciphertext ‖ tag(16)`.
 */
export async function seal(
  key: SealKey,
  plaintext: Uint8Array<ArrayBuffer>,
  ad: Uint8Array<ArrayBuffer>,
  nonce: Uint8Array<ArrayBuffer> = randomBytes(NONCE_BYTES),
  prefix: Uint8Array = new Uint8Array(0),
): Promise<Uint8Array<ArrayBuffer>> {
  if (nonce.length !== NONCE_BYTES) throw new RangeError("A nonce is 12 bytes");
  const [commit, body] = await Promise.all([
    crypto.subtle.sign("HMAC", key.commit, concatBytes(nonce, ad)),
    crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: ad, tagLength: 128 }, key.enc, plaintext),
  ]);
  const out = new Uint8Array(prefix.length + NONCE_BYTES + COMMIT_BYTES + body.byteLength);
  out.set(prefix, 0);
  out.set(nonce, prefix.length);
  out.set(new Uint8Array(commit), prefix.length + NONCE_BYTES);
  out.set(new Uint8Array(body), prefix.length + NONCE_BYTES + COMMIT_BYTES);
  return out;
}

/**
 * Checks and decrypts a box made by `seal`.
 * @param key The committed-AEAD key.
 * @param box `nonce ‖ commit ‖ ciphertext ‖ tag`.
 * @param ad The associated data it was sealed with.
 * @param what Name used in the error message (`chunk`, `manifest`…).
 * @returns The plaintext.
 * @throws IntegrityError with one message whatever failed (length, commitment or tag): rule 7.
 */
export async function open(key: SealKey, box: Uint8Array, ad: Uint8Array<ArrayBuffer>, what: string): Promise<Uint8Array<ArrayBuffer>> {
  const failure = () => new IntegrityError(decryptFailure(what));
  if (box.length < SEAL_OVERHEAD) throw failure();
  const nonce = box.slice(0, NONCE_BYTES);
  const commit = box.slice(NONCE_BYTES, NONCE_BYTES + COMMIT_BYTES);
  const committed = await crypto.subtle.verify("HMAC", key.commit, commit, concatBytes(nonce, ad));
  if (!committed) throw failure();
  try {
    const body = box.subarray(NONCE_BYTES + COMMIT_BYTES) as Uint8Array<ArrayBuffer>;
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: ad, tagLength: 128 }, key.enc, body);
    return new Uint8Array(plain);
  } catch {
    throw failure();
  }
}

/**
 * Checks only the key commitment of a box: tells "another key" (a wrong
 * password) apart from "this key, altered data".
 * @param key The committed-AEAD key.
 * @param box A sealed box.
 * @param ad Its associated data.
 * @returns Whether the box was committed to this key.
 */
export async function isCommittedTo(key: SealKey, box: Uint8Array, ad: Uint8Array<ArrayBuffer>): Promise<boolean> {
  if (box.length < SEAL_OVERHEAD) return false;
  const nonce = box.slice(0, NONCE_BYTES);
  const commit = box.slice(NONCE_BYTES, NONCE_BYTES + COMMIT_BYTES);
  return crypto.subtle.verify("HMAC", key.commit, commit, concatBytes(nonce, ad));
}
