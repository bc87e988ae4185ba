/**
 * The self-check's proof that both crypto backends of this build agree:
 * the same box from `node:crypto` and from WebCrypto, each opened by the
 * other, the same AES-SIV bytes as @noble/ciphers, and a tampered small box
 * refused by both.
 */
import { aessiv } from "@noble/ciphers/aes.js";
import { nativeSealKey, openNative, sealNative } from "./aead-native.ts";
import { openWeb, sealWeb } from "./aead-web.ts";
import { toHex } from "./bytes.ts";
import { sivEncrypt } from "./siv.ts";
import type { EpochKeys } from "./subkeys.ts";

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/**
 * Checks the two backends against each other under an epoch's keys.
 * @param keys Any epoch's keys.
 * @returns A detail line for the report: which backends ran.
 * @throws Error naming the first disagreement.
 */
export async function checkBackendsAgree(keys: EpochKeys): Promise<string> {
  const twin = nativeSealKey(keys.manifest);
  const plain = new Uint8Array(300).map((_, i) => (i * 7) % 256);
  const ad = new Uint8Array(40).map((_, i) => i);
  const nonce = new Uint8Array(12).fill(9);
  const none = new Uint8Array(0);
  const web = await sealWeb(keys.manifest, plain, ad, nonce, none);
  const sivAd = [ad];
  const siv = sivEncrypt(keys.nameSiv, sivAd, plain.subarray(0, 32));
  check(toHex(siv) === toHex(aessiv(keys.nameSiv, ...sivAd).encrypt(plain.subarray(0, 32))), "AES-SIV differs from the reference");
  if (!twin) return "WebCrypto and @noble/ciphers only: node:crypto is missing";
  const native = sealNative(twin, plain, ad, nonce, none);
  check(toHex(native) === toHex(web), "node:crypto and WebCrypto seal different bytes");
  check(toHex(openNative(twin, web, ad, "box")) === toHex(plain), "node:crypto does not open a WebCrypto box");
  check(toHex(await openWeb(keys.manifest, native, ad, "box")) === toHex(plain), "WebCrypto does not open a node:crypto box");
  native[native.length - 1] = (native[native.length - 1] ?? 0) ^ 1;
  const refused = await Promise.all([
    Promise.resolve().then(() => openNative(twin, native, ad, "box")).then(() => false, () => true),
    openWeb(keys.manifest, native, ad, "box").then(() => false, () => true),
  ]);
  check(refused.every(Boolean), "a tampered small box was accepted");
  return "node:crypto below 64 KiB and WebCrypto agree";
}
