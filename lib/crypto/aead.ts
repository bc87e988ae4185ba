/**
 * The sealed box: committed AES-256-GCM (rule 7). Two backends write the
 * same bytes: `node:crypto` on the calling thread for inputs below
 * `SYNC_MAX_BYTES` (node records, names' neighbours, small chunks, key
 * slots), WebCrypto for larger ones and where `node:crypto` is missing.
 */
import { SEAL_OVERHEAD, type SealKey } from "./aead-layout.ts";
import { isCommittedToNative, nativeSealKey, openNative, sealNative, type NativeSealKey } from "./aead-native.ts";
import { isCommittedToWeb, openWeb, sealWeb } from "./aead-web.ts";
import { SYNC_MAX_BYTES } from "./native.ts";
import { importAesGcmKey, importHmacKey } from "./native-keys.ts";
import { freshNonce } from "./nonce.ts";

export { COMMIT_BYTES, decryptFailure, NONCE_BYTES, SEAL_OVERHEAD, TAG_BYTES, type SealKey } from "./aead-layout.ts";

/**
 * Imports a committed-AEAD key pair from two raw 32-byte keys.
 * @param encRaw 32 bytes for AES-256-GCM.
 * @param commitRaw 32 bytes for HMAC-SHA-256.
 * @returns Non-extractable WebCrypto keys (with their `node:crypto` twins, `native-keys.ts`).
 */
export async function importSealKey(encRaw: Uint8Array<ArrayBuffer>, commitRaw: Uint8Array<ArrayBuffer>): Promise<SealKey> {
  const [enc, commit] = await Promise.all([importAesGcmKey(encRaw), importHmacKey(commitRaw)]);
  return { enc, commit };
}

function nativeFor(key: SealKey, length: number): NativeSealKey | undefined {
  return length < SYNC_MAX_BYTES ? nativeSealKey(key) : undefined;
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
  nonce: Uint8Array<ArrayBuffer> = freshNonce(),
  prefix: Uint8Array = new Uint8Array(0),
): Promise<Uint8Array<ArrayBuffer>> {
  const native = nativeFor(key, plaintext.length);
  return native ? sealNative(native, plaintext, ad, nonce, prefix) : sealWeb(key, plaintext, ad, nonce, prefix);
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
  const native = nativeFor(key, box.length - SEAL_OVERHEAD);
  return native ? openNative(native, box, ad, what) : openWeb(key, box, ad, what);
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
  const native = nativeSealKey(key);
  return native ? isCommittedToNative(native, box, ad) : isCommittedToWeb(key, box, ad);
}
