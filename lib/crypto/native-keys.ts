/**
 * WebCrypto keys with a `node:crypto` twin, for the synchronous backend
 * (`native.ts`). Each key is imported twice from the same raw bytes: as a
 * non-extractable `CryptoKey` (the WebCrypto path, large inputs) and as a
 * `KeyObject` (the copy lives in the runtime's native memory). The twin is
 * held in a module-private `WeakMap` keyed by the `CryptoKey`: it is no
 * property of any object, so logging or serialising a key or the keys of an
 * epoch shows nothing of it, and it goes away with its `CryptoKey`.
 */
import type { KeyObject } from "node:crypto";
import { nativeSecretKey } from "./native.ts";

const twins = new WeakMap<CryptoKey, KeyObject>();

function remember(key: CryptoKey, raw: Uint8Array): CryptoKey {
  const twin = nativeSecretKey(raw);
  if (twin) twins.set(key, twin);
  return key;
}

/**
 * Imports an HMAC-SHA-256 key (sign and verify) and its native twin.
 * @param raw The key bytes.
 * @returns A non-extractable WebCrypto key.
 */
export async function importHmacKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  return remember(key, raw);
}

/**
 * Imports an AES-GCM key (encrypt and decrypt) and, for a 32-byte key, its
 * native AES-256-GCM twin.
 * @param raw 16, 24 or 32 key bytes.
 * @returns A non-extractable WebCrypto key.
 */
export async function importAesGcmKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  return raw.length === 32 ? remember(key, raw) : key;
}

/**
 * The native twin of a key imported here.
 * @param key A WebCrypto key.
 * @returns Its `KeyObject`, or `undefined` (imported elsewhere, or a runtime without `node:crypto`).
 */
export function nativeKeyOf(key: CryptoKey): KeyObject | undefined {
  return twins.get(key);
}
