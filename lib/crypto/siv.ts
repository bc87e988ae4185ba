/**
 * AES-SIV for names: `node:crypto` where the runtime has it
 * (`siv-native.ts`), @noble/ciphers `aessiv` elsewhere; the same bytes.
 */
import { aessiv } from "@noble/ciphers/aes.js";
import { nodeCrypto } from "../runtime/node-crypto.ts";
import { sivDecryptNative, sivEncryptNative } from "./siv-native.ts";

/**
 * AES-SIV encryption.
 * @param key 64 bytes (two AES-256 keys).
 * @param ad The associated data components.
 * @param plaintext The plaintext.
 * @returns `V(16) ‖ ciphertext`.
 */
export function sivEncrypt(key: Uint8Array, ad: readonly Uint8Array[], plaintext: Uint8Array): Uint8Array {
  return nodeCrypto ? sivEncryptNative(key, ad, plaintext) : aessiv(key, ...ad).encrypt(plaintext);
}

/**
 * AES-SIV decryption and check.
 * @param key 64 bytes.
 * @param ad The associated data components.
 * @param sealed `V(16) ‖ ciphertext`.
 * @returns The plaintext, or `undefined` when it does not verify.
 */
export function sivDecrypt(key: Uint8Array, ad: readonly Uint8Array[], sealed: Uint8Array): Uint8Array | undefined {
  if (nodeCrypto) return sivDecryptNative(key, ad, sealed);
  try {
    return aessiv(key, ...ad).decrypt(sealed);
  } catch {
    return undefined;
  }
}
