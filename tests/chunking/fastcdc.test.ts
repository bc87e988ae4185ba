import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { chunkBytes } from "../../lib/chunking/chunk-bytes.ts";
import { findBoundary } from "../../lib/chunking/fastcdc.ts";
import { createGearTable, type GearTable } from "../../lib/chunking/gear.ts";
import { DEFAULT_CHUNK_SIZES, resolveChunkParams, type ChunkSizeOptions } from "../../lib/chunking/params.ts";
import { BOUNDARY_INPUT_BYTES } from "./fixtures/boundary-report.ts";
import { deterministicBytes, OTHER_SEED, SMALL_SIZES, TEST_SEED } from "./fixtures/data.ts";

const MiB = 1 << 20;

let table: GearTable;
let kat: Uint8Array;
let random64: Uint8Array;

beforeAll(async () => {
  table = await createGearTable(TEST_SEED);
  kat = await deterministicBytes(BOUNDARY_INPUT_BYTES, "syncagent chunking cross-runtime");
  random64 = await deterministicBytes(64 * MiB, "syncagent chunking 64 MiB");
});

const lengths = (data: Uint8Array, sizes: ChunkSizeOptions, t: GearTable = table): number[] =>
  chunkBytes(data, { table: t, ...sizes }).map((c) => c.length);

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe("FastCDC known answers (K1)", () => {
  it("gives the pinned chunk lengths with default sizes", () => {
    expect(lengths(kat, {})).toEqual([4387927, 3961428, 2085106, 4509386, 5678894, 4543083]);
  });

  it("gives the pinned chunk lengths with small sizes", () => {
    const small = lengths(kat, SMALL_SIZES);
    expect(small.slice(0, 24)).toEqual([
      22518, 19024, 17466, 19290, 19870, 18180, 17773, 21118, 25560, 15885, 25763, 21326, 19866, 4952, 30232, 25959,
      17848, 19791, 19464, 29380, 20886, 18368, 16882, 21047,
    ]);
    expect(small.length).toBe(1353);
    expect(createHash("sha256").update(small.join(",")).digest("hex")).toBe(
      "6cc0b035249eb66bf56ae48ac167b97301594a95972631f6a388aa7d9329b006",
    );
  });
});

describe("FastCDC chunk sizes (K1)", () => {
  it("keeps every chunk but the last within [min, max] and covers the input exactly", () => {
    for (const sizes of [{}, SMALL_SIZES, { minSize: 64, avgSize: 256, maxSize: 1024, normalization: 1 }]) {
      const p = resolveChunkParams(sizes);
      const ls = lengths(random64, sizes);
      expect(sum(ls)).toBe(random64.length);
      for (const l of ls.slice(0, -1)) {
        expect(l).toBeGreaterThanOrEqual(p.minSize);
        expect(l).toBeLessThanOrEqual(p.maxSize);
      }
      expect(ls.at(-1)).toBeGreaterThan(0);
      expect(ls.at(-1)).toBeLessThanOrEqual(p.maxSize);
    }
  });

  it("averages near avgSize on random data (small sizes, about 3,600 chunks)", () => {
    const ls = lengths(random64, SMALL_SIZES);
    const mean = sum(ls) / ls.length;
    expect(mean / SMALL_SIZES.avgSize).toBeGreaterThan(1.0);
    expect(mean / SMALL_SIZES.avgSize).toBeLessThan(1.25);
  });

  it("averages near avgSize on random data (default sizes, 256 MiB)", async () => {
    const data = await deterministicBytes(256 * MiB, "syncagent chunking 256 MiB");
    const ls = lengths(data, {});
    const mean = sum(ls.slice(0, -1)) / (ls.length - 1);
    expect(mean / DEFAULT_CHUNK_SIZES.avgSize).toBeGreaterThan(0.9);
    expect(mean / DEFAULT_CHUNK_SIZES.avgSize).toBeLessThan(1.3);
  });

  it("normalised chunking narrows the size distribution", () => {
    const belowAvg = (normalization: number): number => {
      const ls = lengths(random64, { ...SMALL_SIZES, normalization }).slice(0, -1);
      return ls.filter((l) => l < SMALL_SIZES.avgSize).length / ls.length;
    };
    const level0 = belowAvg(0);
    const level2 = belowAvg(2);
    expect(level0).toBeGreaterThan(0.4);
    expect(level2).toBeLessThan(0.25);
    expect(level2).toBeLessThan(level0 / 2);
  });

  it("cuts low-entropy input at the size limits", () => {
    const zeros = new Uint8Array(3 * MiB + 5);
    const ls = lengths(zeros, SMALL_SIZES);
    expect(sum(ls)).toBe(zeros.length);
    expect(new Set(ls.slice(0, -1)).size).toBe(1);
    expect([SMALL_SIZES.minSize + 1, SMALL_SIZES.maxSize]).toContain(ls[0]);
  });

  it("gives no chunk for empty input and one chunk for input up to minSize", () => {
    expect(lengths(new Uint8Array(0), {})).toEqual([]);
    expect(lengths(random64.subarray(0, 1), {})).toEqual([1]);
    expect(lengths(random64.subarray(0, MiB), {})).toEqual([MiB]);
  });
});

describe("keyed boundaries (K1, DESIGN §2 rule 6)", () => {
  it("different seeds give different boundaries on the same data", async () => {
    const other = await createGearTable(OTHER_SEED);
    const cutsOf = (t: GearTable): Set<number> => {
      let offset = 0;
      return new Set(lengths(random64, SMALL_SIZES, t).map((l) => (offset += l)));
    };
    const a = cutsOf(table);
    const b = cutsOf(other);
    const shared = [...a].filter((c) => b.has(c) && c !== random64.length).length;
    expect(a.size).toBeGreaterThan(1000);
    expect(shared / a.size).toBeLessThan(0.01);
    expect(lengths(kat, {}, other)).not.toEqual(lengths(kat, {}, table));
  });
});

describe("findBoundary", () => {
  it("depends only on the bytes from start, not on where the window sits in the buffer", () => {
    const p = resolveChunkParams(SMALL_SIZES);
    const shifted = new Uint8Array(7 + 200_000);
    shifted.set(random64.subarray(0, 200_000), 7);
    const a = findBoundary(table, random64, 0, 200_000, p);
    const b = findBoundary(table, shifted, 7, shifted.length, p);
    expect(b - 7).toBe(a);
    expect(a).toBeGreaterThan(p.minSize);
  });

  it("cuts at start + maxSize at the latest and returns end for a window up to minSize", () => {
    const p = resolveChunkParams(SMALL_SIZES);
    const zeros = new Uint8Array(10 * p.maxSize);
    const cut = findBoundary(table, zeros, 100, zeros.length, p);
    expect(cut - 100).toBeLessThanOrEqual(p.maxSize);
    expect(findBoundary(table, random64, 10, 10 + p.minSize, p)).toBe(10 + p.minSize);
    expect(findBoundary(table, random64, 10, 10, p)).toBe(10);
  });

  it("refuses windows outside the buffer and tables that are not gear tables", () => {
    const p = resolveChunkParams(SMALL_SIZES);
    const buf = new Uint8Array(100);
    expect(() => findBoundary(table, buf, 0, 101, p)).toThrow(/window \[0, 101\) is outside the buffer of 100 bytes/);
    expect(() => findBoundary(table, buf, 50, 40, p)).toThrow(RangeError);
    expect(() => findBoundary(table, buf, -1, 40, p)).toThrow(RangeError);
    expect(() => findBoundary(new Uint32Array(256) as unknown as GearTable, buf, 0, 100, p)).toThrow(/gear table/);
  });
});
