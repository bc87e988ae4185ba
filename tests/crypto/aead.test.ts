// Committed AEAD: a box opens under the key it was made with and no other,
// even where AES-GCM alone would accept it (DESIGN §2 rule 7).
import { describe, expect, it } from "vitest";
import { importSealKey, isCommittedTo, open, seal } from "../../lib/crypto/aead.ts";
import { utf8 } from "../../lib/crypto/bytes.ts";
import { IntegrityError } from "../../lib/crypto/errors.ts";
import { rejection } from "./fixtures.ts";

const encA = new Uint8Array(32).fill(1);
const commitA = new Uint8Array(32).fill(2);
const commitB = new Uint8Array(32).fill(3);
const ad = utf8("context");

describe("committed AEAD", () => {
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
    expect(one.length).toBe(12 + 32 + 4 + 16);
    expect(one.subarray(0, 12)).not.toEqual(two.subarray(0, 12));
  });

  it("gives the same message for every failure", async () => {
    const key = await importSealKey(encA, commitA);
    const box = await seal(key, utf8("data"), ad);
    const wrongAd = (await rejection(open(key, box, utf8("other"), "box"))) as Error;
    const flippedTag = new Uint8Array(box);
    flippedTag[flippedTag.length - 1] = (flippedTag.at(-1) ?? 0) ^ 1;
    const badTag = (await rejection(open(key, flippedTag, ad, "box"))) as Error;
    expect(wrongAd.message).toBe(badTag.message);
  });
});
