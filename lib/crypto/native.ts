/**
 * The synchronous backend of the small-object operations: HMAC-SHA-256,
 * SHA-256 and AES-256-GCM through `node:crypto`, on the calling thread.
 *
 * Each WebCrypto call is a hop to the runtime's thread pool, a promise and
 * copies: about 20 µs of CPU for an object of a few hundred bytes, against
 * 3–6 µs here (scripts/bench/crypto-small). From `SYNC_MAX_BYTES` up the
 * work itself dominates and WebCrypto keeps it off the event loop, in
 * parallel: large chunks stay there.
 *
 * Keys: `node:crypto` `KeyObject`s registered beside the WebCrypto keys
 * (`native-keys.ts`); nothing here sees raw key bytes.
 */
import type { KeyObject } from "node:crypto";
import { nodeCrypto, type NodeCrypto } from "../runtime/node-crypto.ts";

/** Inputs shorter than this run synchronously on `node:crypto` where the runtime has it; longer ones on WebCrypto. */
export const SYNC_MAX_BYTES = 64 * 1024;

/** GCM tag length, bytes (as in `aead.ts`; repeated here to keep this module free of imports from it). */
const TAG = 16;

function native(): NodeCrypto {
  if (!nodeCrypto) throw new Error("node:crypto is not available on this runtime");
  return nodeCrypto;
}

/**
 * A plain `Uint8Array` over a `Buffer`'s bytes: a view when the buffer owns
 * its whole memory, else a copy (a pooled buffer's memory is shared).
 * `Buffer#slice` is a view, not a copy: callers get a plain array.
 * @param bytes A buffer returned by `node:crypto`.
 * @returns The same bytes as a plain array with its own `ArrayBuffer`.
 */
function plain(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return new Uint8Array(bytes.buffer, 0, bytes.byteLength);
  }
  return new Uint8Array(bytes);
}

/**
 * Whether the synchronous backend serves an input of this length here.
 * @param length Input bytes.
 * @returns True on a runtime with `node:crypto` and below `SYNC_MAX_BYTES`.
 */
export function runsNatively(length: number): boolean {
  return nodeCrypto !== undefined && length < SYNC_MAX_BYTES;
}

/**
 * Imports raw key bytes as a `node:crypto` secret key (the bytes are copied
 * into the runtime's native memory).
 * @param raw The key bytes.
 * @returns The key object, or `undefined` on a runtime without `node:crypto`.
 */
export function nativeSecretKey(raw: Uint8Array): KeyObject | undefined {
  return nodeCrypto?.createSecretKey(raw);
}

/**
 * HMAC-SHA-256 over the concatenation of `parts`.
 * @param key The HMAC key.
 * @param parts The message, in pieces (not copied together).
 * @returns 32 bytes.
 */
export function hmacNative(key: KeyObject, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const mac = native().createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return plain(mac.digest());
}

/**
 * SHA-256.
 * @param bytes The bytes.
 * @returns 32 bytes.
 */
export function sha256Native(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return plain(native().createHash("sha256").update(bytes).digest());
}

/**
 * Compares two MACs or ids in constant time (`timingSafeEqual`).
 * @param a First value.
 * @param b Second value.
 * @returns Whether they are equal; false for different lengths.
 */
export function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && native().timingSafeEqual(a, b);
}

/**
 * AES-256-GCM encryption, written into `out` at `offset`: ciphertext then
 * the full 16-byte tag.
 * @param key The 32-byte AES key.
 * @param nonce 12 bytes.
 * @param ad Associated data.
 * @param plaintext The bytes to encrypt.
 * @param out Receives `plaintext.length + 16` bytes from `offset`.
 * @param offset Where the ciphertext starts in `out`.
 */
export function gcmEncryptInto(key: KeyObject, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
  const cipher = native().createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG });
  cipher.setAAD(ad);
  let at = offset;
  const body = cipher.update(plaintext);
  out.set(body, at);
  at += body.length;
  const last = cipher.final();
  out.set(last, at);
  at += last.length;
  out.set(cipher.getAuthTag(), at);
}

/**
 * AES-256-GCM decryption and tag check (the tag is compared inside the
 * cipher, in constant time).
 * @param key The 32-byte AES key.
 * @param nonce 12 bytes.
 * @param ad Associated data.
 * @param body Ciphertext then the 16-byte tag (at least 16 bytes).
 * @returns The plaintext, or `undefined` when the tag does not verify.
 */
export function gcmDecryptNative(key: KeyObject, nonce: Uint8Array, ad: Uint8Array, body: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  const decipher = native().createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG });
  decipher.setAAD(ad);
  decipher.setAuthTag(body.subarray(body.length - TAG));
  const text = decipher.update(body.subarray(0, body.length - TAG));
  let last: Uint8Array;
  try {
    last = decipher.final();
  } catch {
    return undefined;
  }
  if (last.length === 0) return plain(text);
  // GCM is a stream mode: `final` gives no bytes on the runtimes we know; kept correct if one does.
  const out = new Uint8Array(text.length + last.length);
  out.set(text, 0);
  out.set(last, text.length);
  return out;
}
