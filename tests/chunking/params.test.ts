import { describe, expect, it } from "vitest";
import { DEFAULT_CHUNK_SIZES, resolveChunkParams } from "../../lib/chunking/params.ts";

describe("chunk size parameters (K1)", () => {
  it("defaults to min 1 MiB, avg 4 MiB, max 8 MiB, normalisation 2", () => {
    const p = resolveChunkParams();
    expect([p.minSize, p.avgSize, p.maxSize, p.normalization]).toEqual([1 << 20, 4 << 20, 8 << 20, 2]);
    expect(DEFAULT_CHUNK_SIZES).toEqual({ minSize: 1 << 20, avgSize: 4 << 20, maxSize: 8 << 20, normalization: 2 });
  });

  it("puts the masks in the high bits: 24 bits before the average, 20 after", () => {
    const p = resolveChunkParams();
    expect(p.bits).toBe(22);
    expect(p.maskSmall >>> 0).toBe(0xffffff00);
    expect(p.maskLarge >>> 0).toBe(0xfffff000);
  });

  it("uses one mask everywhere with normalisation 0 and rounds log2 of a non-power-of-two average", () => {
    const p = resolveChunkParams({ minSize: 1000, avgSize: 3000, maxSize: 9000, normalization: 0 });
    expect(p.bits).toBe(12);
    expect(p.maskSmall).toBe(p.maskLarge);
    expect(p.maskSmall >>> 0).toBe(0xfff00000);
  });

  it("takes missing fields from the defaults", () => {
    const p = resolveChunkParams({ maxSize: 16 << 20 });
    expect([p.minSize, p.avgSize, p.maxSize]).toEqual([1 << 20, 4 << 20, 16 << 20]);
  });

  it.each([
    [{ minSize: 4 << 20 }, /minSize \(4194304\) must be less than avgSize \(4194304\)/],
    [{ maxSize: 2 << 20 }, /avgSize \(4194304\) must be less than maxSize \(2097152\)/],
    [{ minSize: 32, avgSize: 128, maxSize: 256 }, /minSize must be at least 64 bytes, got 32/],
    [{ maxSize: 2 ** 31 }, /maxSize must be at most 1073741824 bytes/],
    [{ normalization: 4 }, /normalization must be between 0 and 3, got 4/],
    [{ normalization: -1 }, /normalization must be between 0 and 3, got -1/],
    [{ avgSize: 4194304.5 }, /avgSize must be an integer, got 4194304.5/],
    [{ minSize: Number.NaN }, /minSize must be an integer, got NaN/],
    [{ maxSize: "8M" as unknown as number }, /maxSize must be an integer, got 8M/],
    [{ normalization: 1.5 }, /normalization must be an integer/],
    [{ minSize: 1 << 20, avgSize: (1 << 30) - 1, maxSize: 1 << 30, normalization: 3 }, /needs 33-bit masks; the gear hash has 32/],
  ])("refuses %o with a clear error", (options, message) => {
    expect(() => resolveChunkParams(options)).toThrow(RangeError);
    expect(() => resolveChunkParams(options)).toThrow(message);
  });
});
