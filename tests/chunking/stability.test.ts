import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { chunkBytes } from "../../lib/chunking/chunk-bytes.ts";
import { createGearTable, type GearTable } from "../../lib/chunking/gear.ts";
import type { ChunkSizeOptions } from "../../lib/chunking/params.ts";
import { deterministicBytes, SMALL_SIZES, TEST_SEED } from "./fixtures/data.ts";

const MiB = 1 << 20;

let table: GearTable;
let original: Uint8Array;
let originalHashes: string[];

const chunkHashes = (data: Uint8Array, sizes: ChunkSizeOptions = {}): string[] =>
  chunkBytes(data, { table, ...sizes }).map((c) => createHash("sha256").update(c).digest("hex"));

/** Returns a copy of `data` with `byte` inserted before offset `at`. */
function insertByte(data: Uint8Array, at: number, byte: number): Uint8Array {
  const out = new Uint8Array(data.length + 1);
  out.set(data.subarray(0, at));
  out[at] = byte;
  out.set(data.subarray(at), at + 1);
  return out;
}

/** Returns a copy of `data` without the byte at offset `at`. */
function deleteByte(data: Uint8Array, at: number): Uint8Array {
  const out = new Uint8Array(data.length - 1);
  out.set(data.subarray(0, at));
  out.set(data.subarray(at + 1), at);
  return out;
}

/** Counts chunks present on one side only (by content hash). */
function changes(before: string[], after: string[]): { added: number; removed: number } {
  const b = new Set(before);
  const a = new Set(after);
  return { added: after.filter((h) => !b.has(h)).length, removed: before.filter((h) => !a.has(h)).length };
}

beforeAll(async () => {
  table = await createGearTable(TEST_SEED);
  original = await deterministicBytes(64 * MiB, "syncagent chunking stability");
  originalHashes = chunkHashes(original);
});

describe("boundary stability under edits, 64 MiB file, default sizes (K1, K3)", () => {
  const middle = 32 * MiB + 12345;

  it.each([
    ["insert at the start", (d: Uint8Array) => insertByte(d, 0, 0x5a)],
    ["insert in the middle", (d: Uint8Array) => insertByte(d, middle, 0x5a)],
    ["insert at the end", (d: Uint8Array) => insertByte(d, d.length, 0x5a)],
    ["delete at the start", (d: Uint8Array) => deleteByte(d, 0)],
    ["delete in the middle", (d: Uint8Array) => deleteByte(d, middle)],
    ["delete at the end", (d: Uint8Array) => deleteByte(d, d.length - 1)],
  ])("%s changes at most 2 chunks", (_name, edit) => {
    const after = chunkHashes(edit(original));
    const { added, removed } = changes(originalHashes, after);
    expect(originalHashes.length).toBeGreaterThan(10);
    expect(added).toBeGreaterThanOrEqual(1);
    expect(added).toBeLessThanOrEqual(2);
    expect(removed).toBeGreaterThanOrEqual(1);
    expect(removed).toBeLessThanOrEqual(2);
  });

  it("an edit inside a cut point's hash window re-synchronises after at most one more chunk", () => {
    // Destroying a cut merges two chunks; the next cut may then fall before
    // avgSize from the new start, where the stricter mask refuses it, so one
    // more chunk can change before the boundaries line up again.
    const secondCut = chunkBytes(original, { table })
      .slice(0, 2)
      .reduce((n, c) => n + c.length, 0);
    for (const at of [secondCut - 1, secondCut, secondCut + 1]) {
      const { added, removed } = changes(originalHashes, chunkHashes(insertByte(original, at, 0xa5)));
      expect(added).toBeGreaterThanOrEqual(1);
      expect(added).toBeLessThanOrEqual(3);
      expect(removed).toBeLessThanOrEqual(3);
      expect(originalHashes.length - removed).toBeGreaterThan(10);
    }
  });
});

describe("boundary stability under edits, small sizes", () => {
  it("each of 12 scattered one-byte edits changes at most 2 of about 3,600 chunks", () => {
    const before = chunkHashes(original, SMALL_SIZES);
    expect(before.length).toBeGreaterThan(3000);
    for (let k = 0; k < 12; k++) {
      const at = Math.floor(((k * 2654435761) % 4294967296) / 4294967296 * original.length);
      const edited = k % 2 === 0 ? insertByte(original, at, k) : deleteByte(original, at);
      const { added, removed } = changes(before, chunkHashes(edited, SMALL_SIZES));
      expect(added).toBeGreaterThanOrEqual(1);
      expect(added).toBeLessThanOrEqual(2);
      expect(removed).toBeLessThanOrEqual(2);
    }
  });
});
