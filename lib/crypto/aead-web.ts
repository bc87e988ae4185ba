/** The WebCrypto backend of the sealed box (`aead.ts`): large inputs, and runtimes without `node:crypto`. */
import { COMMIT_BYTES, decryptFailure, NONCE_BYTES, SEAL_OVERHEAD, type SealKey } from "./aead-layout.ts";
import { concatBytes } from "./bytes.ts";
import { IntegrityError } from "./errors.ts";

/**
 * Seals on WebCrypto (see `seal` in `aead.ts`).
 * @param key The committed-AEAD key.
 * @param plaintext Bytes to encrypt.
 * @param ad Associated data.
 * @param nonce 12 bytes.
 * @param prefix Bytes written before the box.
 * @returns `prefix ‖ nonce(12) ‖ commit(32) ‖ ciphertext ‖ tag(16)`.
 */
export async function sealWeb(
  key: SealKey,
  plaintext: Uint8Array<ArrayBuffer>,
  ad: Uint8Array<ArrayBuffer>,
  nonce: Uint8Array<ArrayBuffer>,
  prefix: Uint8Array,
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
 * Opens on WebCrypto (see `open` in `aead.ts`).
 * @param key The committed-AEAD key.
 * @param box `nonce ‖ commit ‖ ciphertext ‖ tag`.
 * @param ad The associated data it was sealed with.
 * @param what Name used in the error message.
 * @returns The plaintext.
 * @throws IntegrityError with one message whatever failed.
 */
export async function openWeb(key: SealKey, box: Uint8Array, ad: Uint8Array<ArrayBuffer>, what: string): Promise<Uint8Array<ArrayBuffer>> {
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
 * Checks a box's key commitment on WebCrypto (see `isCommittedTo` in `aead.ts`).
 * @param key The committed-AEAD key.
 * @param box A sealed box.
 * @param ad Its associated data.
 * @returns Whether the box was committed to this key.
 */
export async function isCommittedToWeb(key: SealKey, box: Uint8Array, ad: Uint8Array<ArrayBuffer>): Promise<boolean> {
  if (box.length < SEAL_OVERHEAD) return false;
  const nonce = box.slice(0, NONCE_BYTES);
  const commit = box.slice(NONCE_BYTES, NONCE_BYTES + COMMIT_BYTES);
  return crypto.subtle.verify("HMAC", key.commit, commit, concatBytes(nonce, ad));
}
