/**
 * The synchronous backend of the sealed box (`aead.ts`), on `node:crypto`:
 * the same bytes as `aead-web.ts`, with no thread-pool hop. The commitment
 * is compared with `timingSafeEqual`; the GCM tag inside the cipher.
 */
import type { KeyObject } from "node:crypto";
import { COMMIT_BYTES, decryptFailure, NONCE_BYTES, SEAL_OVERHEAD, TAG_BYTES, type SealKey } from "./aead-layout.ts";
import { IntegrityError } from "./errors.ts";
import { gcmDecryptNative, gcmEncryptInto, hmacNative, macEqual } from "./native.ts";
import { nativeKeyOf } from "./native-keys.ts";

/** The native twins of a `SealKey`'s two keys. */
export interface NativeSealKey {
  enc: KeyObject;
  commit: KeyObject;
}

/**
 * The native twins of a seal key imported by `importSealKey`.
 * @param key The committed-AEAD key.
 * @returns Both twins, or `undefined` when either is missing.
 */
export function nativeSealKey(key: SealKey): NativeSealKey | undefined {
  const enc = nativeKeyOf(key.enc);
  const commit = nativeKeyOf(key.commit);
  return enc && commit ? { enc, commit } : undefined;
}

/**
 * Seals synchronously (see `seal` in `aead.ts`).
 * @param key The native twins of the committed-AEAD key.
 * @param plaintext Bytes to encrypt.
 * @param ad Associated data.
 * @param nonce 12 bytes.
 * @param prefix Bytes written before the box.
 * @returns `prefix ‖ nonce(12) ‖ commit(32) ‖ ciphertext ‖ tag(16)`.
 */
export function sealNative(key: NativeSealKey, plaintext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, prefix: Uint8Array): Uint8Array<ArrayBuffer> {
  if (nonce.length !== NONCE_BYTES) throw new RangeError("A nonce is 12 bytes");
  const start = prefix.length + NONCE_BYTES + COMMIT_BYTES;
  const out = new Uint8Array(start + plaintext.length + TAG_BYTES);
  out.set(prefix, 0);
  out.set(nonce, prefix.length);
  out.set(hmacNative(key.commit, nonce, ad), prefix.length + NONCE_BYTES);
  gcmEncryptInto(key.enc, nonce, ad, plaintext, out, start);
  return out;
}

function committed(key: NativeSealKey, box: Uint8Array, ad: Uint8Array): boolean {
  const nonce = box.subarray(0, NONCE_BYTES);
  return macEqual(hmacNative(key.commit, nonce, ad), box.subarray(NONCE_BYTES, NONCE_BYTES + COMMIT_BYTES));
}

/**
 * Opens synchronously (see `open` in `aead.ts`).
 * @param key The native twins of the committed-AEAD key.
 * @param box `nonce ‖ commit ‖ ciphertext ‖ tag`.
 * @param ad The associated data it was sealed with.
 * @param what Name used in the error message.
 * @returns The plaintext.
 * @throws IntegrityError with one message whatever failed (length, commitment or tag): rule 7.
 */
export function openNative(key: NativeSealKey, box: Uint8Array, ad: Uint8Array, what: string): Uint8Array<ArrayBuffer> {
  if (box.length < SEAL_OVERHEAD || !committed(key, box, ad)) throw new IntegrityError(decryptFailure(what));
  const plain = gcmDecryptNative(key.enc, box.subarray(0, NONCE_BYTES), ad, box.subarray(NONCE_BYTES + COMMIT_BYTES));
  if (!plain) throw new IntegrityError(decryptFailure(what));
  return plain;
}

/**
 * Checks a box's key commitment synchronously (see `isCommittedTo` in `aead.ts`).
 * @param key The native twins of the committed-AEAD key.
 * @param box A sealed box.
 * @param ad Its associated data.
 * @returns Whether the box was committed to this key.
 */
export function isCommittedToNative(key: NativeSealKey, box: Uint8Array, ad: Uint8Array): boolean {
  return box.length >= SEAL_OVERHEAD && committed(key, box, ad);
}
