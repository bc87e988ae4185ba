// AES-SIV on node:crypto (names, rule 5): RFC 5297 appendix A, and the same
// bytes as @noble/ciphers `aessiv` on random keys, AD and plaintexts, both ways.
import { aessiv } from "@noble/ciphers/aes.js";
import { describe, expect, it } from "vitest";
import { fromHex, randomBytes, toHex } from "../../lib/crypto/bytes.ts";
import { sivDecrypt, sivEncrypt } from "../../lib/crypto/siv.ts";
import { sivDecryptNative, sivEncryptNative } from "../../lib/crypto/siv-native.ts";

describe("AES-SIV on node:crypto", () => {
  it("gives RFC 5297 A.1 (deterministic)", () => {
    const key = fromHex("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    const ad = fromHex("101112131415161718191a1b1c1d1e1f2021222324252627");
    const plaintext = fromHex("112233445566778899aabbccddee");
    const output = "85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c";
    expect(toHex(sivEncryptNative(key, [ad], plaintext))).toBe(output);
    expect(toHex(sivDecryptNative(key, [ad], fromHex(output)) ?? new Uint8Array(0))).toBe(toHex(plaintext));
  });

  it("gives RFC 5297 A.2 (two AD components, then the nonce) and refuses them swapped", () => {
    const key = fromHex("7f7e7d7c7b7a79787776757473727170404142434445464748494a4b4c4d4e4f");
    const ad1 = fromHex("00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100");
    const ad2 = fromHex("102030405060708090a0");
    const nonce = fromHex("09f911029d74e35bd84156c5635688c0");
    const plaintext = fromHex("7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d414553");
    const output =
      "7bdb6e3b432667eb06f4d14bff2fbd0fcb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d";
    expect(toHex(sivEncryptNative(key, [ad1, ad2, nonce], plaintext))).toBe(output);
    expect(toHex(sivDecryptNative(key, [ad1, ad2, nonce], fromHex(output)) ?? new Uint8Array(0))).toBe(toHex(plaintext));
    expect(sivDecryptNative(key, [ad2, ad1, nonce], fromHex(output))).toBeUndefined();
  });

  it("writes the bytes of @noble/ciphers aessiv and opens its output, for 64-byte keys and random AD and plaintexts", () => {
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(i % 3 === 0 ? 32 : 64);
      const ad = Array.from({ length: i % 4 }, () => randomBytes(Math.floor(Math.random() * 70)));
      const plaintext = randomBytes(i < 40 ? i : Math.floor(Math.random() * 400));
      const noble = aessiv(key, ...ad).encrypt(plaintext);
      const ours = sivEncrypt(key, ad, plaintext);
      expect(toHex(ours), `case ${i}`).toBe(toHex(noble));
      expect(toHex(sivDecrypt(key, ad, noble) ?? new Uint8Array(1))).toBe(toHex(plaintext));
      expect(toHex(aessiv(key, ...ad).decrypt(ours))).toBe(toHex(plaintext));
    }
  });

  it("refuses one flipped bit anywhere, a wrong AD, a short input, and a key of another size", () => {
    const key = randomBytes(64);
    const ad = [randomBytes(53)];
    const sealed = sivEncrypt(key, ad, randomBytes(64));
    for (let i = 0; i < sealed.length; i++) {
      const tampered = new Uint8Array(sealed);
      tampered[i] = (tampered[i] ?? 0) ^ (1 << (i % 8));
      expect(sivDecrypt(key, ad, tampered), `byte ${i}`).toBeUndefined();
    }
    const otherAd = new Uint8Array(ad[0] ?? []);
    otherAd[0] = (otherAd[0] ?? 0) ^ 1;
    expect(sivDecrypt(key, [otherAd], sealed)).toBeUndefined();
    expect(sivDecrypt(key, [], sealed)).toBeUndefined();
    expect(sivDecrypt(key, ad, sealed.subarray(0, 15))).toBeUndefined();
    expect(() => sivEncrypt(randomBytes(40), ad, sealed)).toThrow(RangeError);
  });
});
