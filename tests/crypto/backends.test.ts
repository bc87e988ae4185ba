// The two backends of the small-object crypto (C2, C6, DESIGN §2 rule 7):
// node:crypto on the calling thread and WebCrypto write the same bytes,
// open each other's boxes, and refuse every tampered box with the same
// error and message.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { COMMIT_BYTES, decryptFailure, importSealKey, isCommittedTo, NONCE_BYTES, open, seal, SEAL_OVERHEAD, type SealKey } from "../../lib/crypto/aead.ts";
import { isCommittedToNative, nativeSealKey, openNative, sealNative, type NativeSealKey } from "../../lib/crypto/aead-native.ts";
import { isCommittedToWeb, openWeb, sealWeb } from "../../lib/crypto/aead-web.ts";
import { encryptedChunkLength } from "../../lib/crypto/chunk.ts";
import { encryptChunkInPlace } from "../../lib/crypto/chunk-in-place.ts";
import { constantTimeEqual, fromHex, randomBytes, sha256Hex, toHex } from "../../lib/crypto/bytes.ts";
import { IntegrityError } from "../../lib/crypto/errors.ts";
import { hmacSha256, hmacWeb, sha256, sha256Web } from "../../lib/crypto/mac.ts";
import { hmacNative, runsNatively, sha256Native, SYNC_MAX_BYTES } from "../../lib/crypto/native.ts";
import { importAesGcmKey, importHmacKey, nativeKeyOf } from "../../lib/crypto/native-keys.ts";
import { freshNonce } from "../../lib/crypto/nonce.ts";
import { katKeyring, rejection } from "./fixtures.ts";

/** A few edge lengths around AES blocks and the backend threshold, then random ones. */
const LENGTHS = [0, 1, 15, 16, 17, 31, 33, 300, 1023, 4096, SYNC_MAX_BYTES - 1, ...Array.from({ length: 12 }, () => Math.floor(Math.random() * 5000))];

/** Random bytes of any length (`getRandomValues` stops at 64 KiB). */
function bytes(length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) out.set(randomBytes(Math.min(65536, length - i)), i);
  return out;
}

function randomInt(below: number): number {
  return Math.floor(Math.random() * below);
}

async function pair(): Promise<{ key: SealKey; twin: NativeSealKey }> {
  const key = await importSealKey(randomBytes(32), randomBytes(32));
  const twin = nativeSealKey(key);
  if (!twin) throw new Error("no native twin on this runtime");
  return { key, twin };
}

function flipBit(bytes: Uint8Array, index: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes);
  out[index] = (out[index] ?? 0) ^ (1 << randomInt(8));
  return out;
}

describe("the native and WebCrypto sealed boxes", () => {
  it("write the same bytes for the same key, nonce, AD and prefix, and open each other's boxes", async () => {
    const { key, twin } = await pair();
    for (const length of LENGTHS) {
      const plaintext = bytes(length);
      const ad = randomBytes(randomInt(100));
      const nonce = randomBytes(NONCE_BYTES);
      const prefix = randomBytes(randomInt(6));
      const web = await sealWeb(key, plaintext, ad, nonce, prefix);
      const native = sealNative(twin, plaintext, ad, nonce, prefix);
      expect(toHex(native), `length ${length}`).toBe(toHex(web));
      expect(native.length).toBe(prefix.length + SEAL_OVERHEAD + length);
      const box = native.subarray(prefix.length);
      expect(toHex(openNative(twin, web.subarray(prefix.length), ad, "box"))).toBe(toHex(plaintext));
      expect(toHex(await openWeb(key, box, ad, "box"))).toBe(toHex(plaintext));
      expect(toHex(await open(key, box, ad, "box"))).toBe(toHex(plaintext));
      expect(isCommittedToNative(twin, box, ad)).toBe(true);
      expect(await isCommittedToWeb(key, box, ad)).toBe(true);
    }
  });

  it("returns plain arrays that own their bytes", async () => {
    const { key, twin } = await pair();
    const ad = randomBytes(20);
    const plain = openNative(twin, sealNative(twin, randomBytes(100), ad, randomBytes(12), new Uint8Array(0)), ad, "box");
    expect(plain.constructor).toBe(Uint8Array);
    expect(plain.byteLength).toBe(plain.buffer.byteLength);
    const sealed = await seal(key, randomBytes(10), ad);
    expect(sealed.constructor).toBe(Uint8Array);
  });

  it("switch to WebCrypto at SYNC_MAX_BYTES with the same bytes either side", async () => {
    const { key, twin } = await pair();
    const ad = randomBytes(40);
    const nonce = randomBytes(NONCE_BYTES);
    for (const length of [SYNC_MAX_BYTES - 1, SYNC_MAX_BYTES, 3 * SYNC_MAX_BYTES]) {
      const plaintext = bytes(length);
      const box = await seal(key, plaintext, ad, nonce);
      expect(toHex(box)).toBe(toHex(sealNative(twin, plaintext, ad, nonce, new Uint8Array(0))));
      expect(toHex(await open(key, box, ad, "box"))).toBe(toHex(plaintext));
    }
    expect(runsNatively(SYNC_MAX_BYTES - 1)).toBe(true);
    expect(runsNatively(SYNC_MAX_BYTES)).toBe(false);
  });

  it("fall back to WebCrypto for keys imported without a native twin", async () => {
    const encRaw = randomBytes(32);
    const commitRaw = randomBytes(32);
    const bare: SealKey = {
      enc: await crypto.subtle.importKey("raw", encRaw, "AES-GCM", false, ["encrypt", "decrypt"]),
      commit: await crypto.subtle.importKey("raw", commitRaw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
    };
    expect(nativeSealKey(bare)).toBeUndefined();
    const twinned = await importSealKey(encRaw, commitRaw);
    const ad = randomBytes(30);
    const nonce = randomBytes(NONCE_BYTES);
    const plaintext = randomBytes(500);
    const box = await seal(bare, plaintext, ad, nonce);
    expect(toHex(box)).toBe(toHex(await seal(twinned, plaintext, ad, nonce)));
    expect(await open(bare, box, ad, "box")).toEqual(plaintext);
    expect(await isCommittedTo(bare, box, ad)).toBe(true);
    expect(await isCommittedTo(twinned, box, ad)).toBe(true);
  });

  it("refuse a nonce that is not 12 bytes, both", async () => {
    const { key, twin } = await pair();
    const bad = randomBytes(11);
    expect(() => sealNative(twin, randomBytes(5), randomBytes(5), bad, new Uint8Array(0))).toThrow(RangeError);
    expect(await rejection(sealWeb(key, randomBytes(5), randomBytes(5), bad, new Uint8Array(0)))).toBeInstanceOf(RangeError);
    expect(await rejection(seal(key, randomBytes(5), randomBytes(5), bad))).toBeInstanceOf(RangeError);
  });
});

describe("tampering, under both backends", () => {
  const MESSAGE = decryptFailure("box");

  async function refusals(key: SealKey, twin: NativeSealKey, box: Uint8Array, ad: Uint8Array<ArrayBuffer>): Promise<unknown[]> {
    let native: unknown;
    try {
      openNative(twin, box, ad, "box");
    } catch (error) {
      native = error;
    }
    return [native, await rejection(openWeb(key, box, ad, "box")), await rejection(open(key, box, ad, "box"))];
  }

  it("refuses one flipped bit of the nonce, the commitment, the body, the tag or the AD with one error and one message", async () => {
    const { key, twin } = await pair();
    for (const length of [0, 1, 64, 700]) {
      const plaintext = bytes(length);
      const ad = randomBytes(1 + randomInt(80));
      const box = sealNative(twin, plaintext, ad, randomBytes(NONCE_BYTES), new Uint8Array(0));
      const body = NONCE_BYTES + COMMIT_BYTES;
      const positions: [string, number][] = [
        ["nonce", randomInt(NONCE_BYTES)],
        ["commitment", NONCE_BYTES + randomInt(COMMIT_BYTES)],
        ["tag", box.length - 1 - randomInt(16)],
      ];
      if (length > 0) positions.push(["body", body + randomInt(length)]);
      for (const [part, index] of positions) {
        const tampered = flipBit(box, index);
        for (const error of await refusals(key, twin, tampered, ad)) {
          expect(error, `${part} of a ${length}-byte box`).toBeInstanceOf(IntegrityError);
          expect((error as Error).message).toBe(MESSAGE);
        }
        // The commitment covers nonce and AD: a flipped body or tag still commits, and the tag refuses it.
        const commits = part === "body" || part === "tag";
        expect(isCommittedToNative(twin, tampered, ad), part).toBe(commits);
        expect(await isCommittedToWeb(key, tampered, ad), part).toBe(commits);
      }
      const otherAd = flipBit(ad, randomInt(ad.length));
      for (const error of await refusals(key, twin, box, otherAd)) {
        expect(error).toBeInstanceOf(IntegrityError);
        expect((error as Error).message).toBe(MESSAGE);
      }
      expect(isCommittedToNative(twin, box, otherAd)).toBe(false);
    }
  });

  it("refuses a box too short to hold nonce, commitment and tag, and a box under another key", async () => {
    const { key, twin } = await pair();
    const other = await pair();
    const ad = randomBytes(10);
    const box = sealNative(twin, randomBytes(40), ad, randomBytes(NONCE_BYTES), new Uint8Array(0));
    for (const cut of [box.subarray(0, SEAL_OVERHEAD - 1), new Uint8Array(0)]) {
      for (const error of await refusals(key, twin, cut, ad)) expect((error as Error).message).toBe(MESSAGE);
      expect(isCommittedToNative(twin, cut, ad)).toBe(false);
      expect(await isCommittedToWeb(key, cut, ad)).toBe(false);
    }
    for (const error of await refusals(other.key, other.twin, box, ad)) {
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as Error).message).toBe(MESSAGE);
    }
    expect(await isCommittedTo(other.key, box, ad)).toBe(false);
  });
});

describe("the native and WebCrypto MACs and hashes", () => {
  it("agree on HMAC-SHA-256 and SHA-256 for random inputs, either side of the threshold", async () => {
    const key = await importHmacKey(randomBytes(32));
    const twin = nativeKeyOf(key);
    expect(twin).toBeDefined();
    for (const length of [...LENGTHS, SYNC_MAX_BYTES, SYNC_MAX_BYTES + 1000]) {
      const data = bytes(length);
      const web = await hmacWeb(key, data);
      expect(toHex(hmacNative(twin!, data)), `hmac ${length}`).toBe(toHex(web));
      expect(toHex(await hmacSha256(key, data))).toBe(toHex(web));
      const digest = await sha256Web(data);
      expect(toHex(sha256Native(data)), `sha256 ${length}`).toBe(toHex(digest));
      expect(toHex(await sha256(data))).toBe(toHex(digest));
      expect(await sha256Hex(data)).toBe(toHex(digest));
    }
  });

  it("MAC parts as if concatenated", async () => {
    const key = await importHmacKey(randomBytes(32));
    const [a, b] = [randomBytes(13), randomBytes(50)];
    const whole = new Uint8Array([...a, ...b]);
    expect(toHex(hmacNative(nativeKeyOf(key)!, a, b))).toBe(toHex(await hmacWeb(key, whole)));
  });

  it("compare in constant time, refusing other lengths", () => {
    const a = randomBytes(32);
    expect(constantTimeEqual(a, new Uint8Array(a))).toBe(true);
    expect(constantTimeEqual(a, flipBit(a, 31))).toBe(false);
    expect(constantTimeEqual(a, a.subarray(0, 31))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    const big = bytes(SYNC_MAX_BYTES + 1);
    expect(constantTimeEqual(big, new Uint8Array(big))).toBe(true);
    expect(constantTimeEqual(big, flipBit(big, 5))).toBe(false);
  });
});

describe("native key twins", () => {
  it("are not reachable from the key objects: no property, nothing logged or serialised", async () => {
    const encRaw = randomBytes(32);
    const commitRaw = randomBytes(32);
    const key = await importSealKey(encRaw, commitRaw);
    expect(Object.keys(key).sort()).toEqual(["commit", "enc"]);
    for (const shown of [inspect(key, { depth: 10, showHidden: true }), JSON.stringify(key)]) {
      expect(shown).not.toContain(toHex(encRaw));
      expect(shown).not.toContain(Buffer.from(encRaw).toString("base64"));
      expect(shown).not.toContain(toHex(commitRaw));
    }
    expect(key.enc.extractable).toBe(false);
    expect(key.commit.extractable).toBe(false);
    // A copy made by structured cloning is another CryptoKey: no twin, so WebCrypto.
    expect(nativeKeyOf(structuredClone(key.enc))).toBeUndefined();
    expect(nativeKeyOf(key.enc)).toBeDefined();
  });

  it("exist for 32-byte AES keys only: another AES size stays on WebCrypto", async () => {
    expect(nativeKeyOf(await importAesGcmKey(randomBytes(32)))).toBeDefined();
    expect(nativeKeyOf(await importAesGcmKey(randomBytes(16)))).toBeUndefined();
  });
});

describe("the in-place chunk encryptor", () => {
  it("refuses chunk keys without a native twin rather than reading raw bytes", async () => {
    const ring = await katKeyring();
    const bare: SealKey = {
      enc: await crypto.subtle.importKey("raw", randomBytes(32), "AES-GCM", false, ["encrypt", "decrypt"]),
      commit: await crypto.subtle.importKey("raw", randomBytes(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
    };
    const buffer = new Uint8Array(encryptedChunkLength(10));
    expect(await rejection(encryptChunkInPlace({ ...ring.current, chunk: bare }, buffer, 10))).toBeInstanceOf(Error);
    const sealed = await encryptChunkInPlace(ring.current, buffer, 10);
    expect(sealed.data.length).toBe(encryptedChunkLength(10));
  });
});

describe("fresh nonces", () => {
  it("are 12 bytes each, own their memory and never repeat across pool refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const nonce = freshNonce();
      expect(nonce.length).toBe(NONCE_BYTES);
      expect(nonce.buffer.byteLength).toBe(NONCE_BYTES);
      seen.add(toHex(nonce));
    }
    expect(seen.size).toBe(1000);
  });
});

describe("hex decoding", () => {
  it("reads both cases and refuses odd lengths and other characters", () => {
    expect(toHex(fromHex("00ff7Aa9"))).toBe("00ff7aa9");
    expect(fromHex("").length).toBe(0);
    for (const bad of ["0", "0g", "g0", " 0", "é0", "0\u0100", "-1"]) expect(() => fromHex(bad), bad).toThrow(TypeError);
  });
});
