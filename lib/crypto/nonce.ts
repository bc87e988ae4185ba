/**
 * Fresh AEAD nonces, drawn from a pool of CSPRNG bytes. One
 * `getRandomValues` call costs about 8 µs on Node whatever its length; the
 * pool makes it one call per 256 nonces. Each byte is handed out once and
 * wiped from the pool as it is: nonces need to be unique and unpredictable,
 * not secret. Keys never come from here (`randomBytes`).
 */
import { NONCE_BYTES } from "./aead-layout.ts";

const POOL_NONCES = 256;
let pool = new Uint8Array(0);
let used = 0;

/**
 * A fresh random 12-byte nonce.
 * @returns 12 bytes from the platform's CSPRNG, never handed out before.
 */
export function freshNonce(): Uint8Array<ArrayBuffer> {
  if (used + NONCE_BYTES > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_NONCES * NONCE_BYTES));
    used = 0;
  }
  const nonce = pool.slice(used, used + NONCE_BYTES);
  pool.fill(0, used, used + NONCE_BYTES);
  used += NONCE_BYTES;
  return nonce;
}
