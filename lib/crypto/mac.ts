/**
 * HMAC-SHA-256 and SHA-256 with the backend chosen per input: `node:crypto`
 * on the calling thread below `SYNC_MAX_BYTES` (chunk ids of small chunks,
 * content hashes, manifest hashes), WebCrypto above it and where
 * `node:crypto` is missing. Both give the same bytes.
 */
import { hmacNative, runsNatively, sha256Native } from "./native.ts";
import { nativeKeyOf } from "./native-keys.ts";

/**
 * HMAC-SHA-256 on WebCrypto.
 * @param key An HMAC-SHA-256 signing key.
 * @param data The message.
 * @returns 32 bytes.
 */
export async function hmacWeb(key: CryptoKey, data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, data as Uint8Array<ArrayBuffer>));
}

/**
 * HMAC-SHA-256, on the backend that suits the input's length.
 * @param key An HMAC-SHA-256 key from `importHmacKey` (another key always takes WebCrypto).
 * @param data The message.
 * @returns 32 bytes.
 */
export async function hmacSha256(key: CryptoKey, data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const twin = runsNatively(data.length) ? nativeKeyOf(key) : undefined;
  return twin ? hmacNative(twin, data) : hmacWeb(key, data);
}

/**
 * SHA-256 on WebCrypto.
 * @param bytes The bytes.
 * @returns 32 bytes.
 */
export async function sha256Web(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/**
 * SHA-256, on the backend that suits the input's length.
 * @param bytes The bytes.
 * @returns 32 bytes.
 */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return runsNatively(bytes.length) ? sha256Native(bytes) : sha256Web(bytes);
}
