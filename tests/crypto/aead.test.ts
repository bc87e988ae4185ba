// Committed AEAD: a box opens under the key it was made with and no other,
// even where AES-GCM alone accepts one ciphertext under two keys (DESIGN §2
// rule 7); one message for every failure.
import { describe, expect, it } from "vitest";
import { COMMIT_BYTES, importSealKey, isCommittedTo, NONCE_BYTES, open, seal } from "../../lib/crypto/aead.ts";
import { concatBytes, utf8 } from "../../lib/crypto/bytes.ts";
import { IntegrityError } from "../../lib/crypto/errors.ts";
import { rejection } from "./fixtures.ts";
import { gfInv, gfMul, twoKeyCiphertext } from "./salamander.ts";

const encA = new Uint8Array(32).fill(1);
const encB = new Uint8Array(32).fill(4);
const commitA = new Uint8Array(32).fill(2);
const commitB = new Uint8Array(32).fill(3);
const ad = utf8("SAC context bound into the tag, longer than one block");
const nonce = new Uint8Array(12).fill(7);

async function gcmDecrypt(key: Uint8Array<ArrayBuffer>, body: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["decrypt"]);
  return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: ad, tagLength: 128 }, k, body));
}

describe("GF(2^128) fixture", () => {
  it("multiplies and inverts consistently", () => {
    const one = 1n << 127n;
    const x = 0x66e94bd4ef8a2c3b884cfa59ca342b2en;
    expect(gfMul(x, one)).toBe(x);
    expect(gfMul(x, gfInv(x))).toBe(one);
  });
});

describe("committed AEAD", () => {
  it("refuses, under the other key, a genuine GCM ciphertext that plain AES-GCM accepts under two keys", async () => {
    const body = twoKeyCiphertext(encA, encB, nonce, ad, 4);
    // Plain AES-GCM (WebCrypto) accepts the same bytes under both keys, with different plaintexts.
    const underA = await gcmDecrypt(encA, body);
    const underB = await gcmDecrypt(encB, body);
    expect(underA.length).toBe(64);
    expect(underA).not.toEqual(underB);
    // Our box: the commitment of key A in front of the same GCM bytes.
    const keyA = await importSealKey(encA, commitA);
    const keyB = await importSealKey(encB, commitB);
    const commit = new Uint8Array(await crypto.subtle.sign("HMAC", keyA.commit, concatBytes(nonce, ad)));
    const box = concatBytes(nonce, commit, body);
    expect(await open(keyA, box, ad, "box")).toEqual(underA);
    expect(await isCommittedTo(keyB, box, ad)).toBe(false);
    expect(await rejection(open(keyB, box, ad, "box"))).toBeInstanceOf(IntegrityError);
    // With key B's commitment instead, it opens under B and no longer under A: one box, one key.
    const commitToB = new Uint8Array(await crypto.subtle.sign("HMAC", keyB.commit, concatBytes(nonce, ad)));
    const boxB = concatBytes(nonce, commitToB, body);
    expect(await open(keyB, boxB, ad, "box")).toEqual(underB);
    expect(await rejection(open(keyA, boxB, ad, "box"))).toBeInstanceOf(IntegrityError);
  });

  it("refuses a box whose GCM layer decrypts but whose commitment belongs to another key", async () => {
    const keyA = await importSealKey(encA, commitA);
    const keyB = await importSealKey(encA, commitB); // same AES key: GCM alone would accept
    const box = await seal(keyA, utf8("hello"), ad);
    expect(await open(keyA, box, ad, "box")).toEqual(utf8("hello"));
    expect(await isCommittedTo(keyB, box, ad)).toBe(false);
    expect(await rejection(open(keyB, box, ad, "box"))).toBeInstanceOf(IntegrityError);
  });

  it("uses full 16-byte tags and a fresh nonce per box", async () => {
    const key = await importSealKey(encA, commitA);
    const one = await seal(key, utf8("same"), ad);
    const two = await seal(key, utf8("same"), ad);
    expect(one.length).toBe(NONCE_BYTES + COMMIT_BYTES + 4 + 16);
    expect(one.subarray(0, 12)).not.toEqual(two.subarray(0, 12));
  });

  it("gives the same message for every failure: wrong AD, bad tag, bad commitment, truncation", async () => {
    const key = await importSealKey(encA, commitA);
    const box = await seal(key, utf8("data"), ad);
    const tag = new Uint8Array(box);
    tag[tag.length - 1] = (tag.at(-1) ?? 0) ^ 1;
    const commit = new Uint8Array(box);
    commit[NONCE_BYTES] = (commit[NONCE_BYTES] ?? 0) ^ 1;
    const errors = (await Promise.all([
      rejection(open(key, box, utf8("other"), "box")),
      rejection(open(key, tag, ad, "box")),
      rejection(open(key, commit, ad, "box")),
      rejection(open(key, box.slice(0, 20), ad, "box")),
    ])) as Error[];
    for (const error of errors) {
      expect(error).toBeInstanceOf(IntegrityError);
      expect(error.message).toBe("Cannot decrypt box: it was altered or does not belong here");
    }
  });
});
