// Prints what the small-object crypto writes for fixed inputs, on whichever
// runtime runs it, and whether its native backend was used and agrees with
// WebCrypto and @noble/ciphers there. Run under Node (tsx), Bun and Deno by
// tests/crypto/runtimes.test.ts, which expects the same lines from each.
import { aessiv } from "@noble/ciphers/aes.js";
import { importSealKey, open, seal } from "../../../lib/crypto/aead.ts";
import { nativeSealKey, openNative, sealNative } from "../../../lib/crypto/aead-native.ts";
import { openWeb, sealWeb } from "../../../lib/crypto/aead-web.ts";
import { sha256Hex, toHex } from "../../../lib/crypto/bytes.ts";
import { hmacSha256, hmacWeb, sha256Web } from "../../../lib/crypto/mac.ts";
import { importHmacKey, nativeKeyOf } from "../../../lib/crypto/native-keys.ts";
import { sivDecrypt, sivEncrypt } from "../../../lib/crypto/siv.ts";

/** Fixed bytes: byte i of input `seed` is (i * 31 + seed * 17) mod 251. */
function fixed(length: number, seed: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(length).map((_, i) => (i * 31 + seed * 17) % 251);
}

const key = await importSealKey(fixed(32, 1), fixed(32, 2));
const twin = nativeSealKey(key);
const mac = await importHmacKey(fixed(32, 3));
const macTwin = nativeKeyOf(mac);
console.log(`native ${twin !== undefined && macTwin !== undefined}`);
const none = new Uint8Array(0);
for (const length of [0, 1, 16, 33, 300, 4096]) {
  const plaintext = fixed(length, length);
  const ad = fixed(length % 70, length + 1);
  const nonce = fixed(12, length + 2);
  const box = await seal(key, plaintext, ad, nonce);
  const web = await sealWeb(key, plaintext, ad, nonce, none);
  const native = twin ? sealNative(twin, plaintext, ad, nonce, none) : web;
  const opened = [await open(key, box, ad, "box"), await openWeb(key, native, ad, "box"), twin ? openNative(twin, web, ad, "box") : plaintext];
  const agree = toHex(web) === toHex(box) && toHex(native) === toHex(box) && opened.every((p) => toHex(p) === toHex(plaintext));
  const hmac = await hmacSha256(mac, plaintext);
  const hashes = toHex(hmac) === toHex(await hmacWeb(mac, plaintext)) && (await sha256Hex(plaintext)) === toHex(await sha256Web(plaintext));
  const sivKey = fixed(64, length + 3);
  const siv = sivEncrypt(sivKey, [ad], plaintext);
  const sivAgree = toHex(siv) === toHex(aessiv(sivKey, ad).encrypt(plaintext)) && toHex(sivDecrypt(sivKey, [ad], siv) ?? none) === toHex(plaintext);
  console.log(`${length} ${agree && hashes && sivAgree} ${await sha256Hex(box)} ${toHex(hmac)} ${await sha256Hex(siv)}`);
}
