import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { assertGearTable, createGearTable, GEAR_TABLE_LABEL } from "../../lib/chunking/gear.ts";
import { OTHER_SEED, TEST_SEED } from "./fixtures/data.ts";

/** The table's values as big-endian bytes (the derivation's HMAC stream). */
function tableBytes(table: Int32Array): Buffer {
  const out = Buffer.alloc(table.length * 4);
  table.forEach((v, i) => out.writeInt32BE(v, i * 4));
  return out;
}

describe("gear table derivation (K1, DESIGN §2 rule 6)", () => {
  it("matches the known answer for the fixed seed", async () => {
    const table = await createGearTable(TEST_SEED);
    expect(table).toBeInstanceOf(Int32Array);
    expect(table.length).toBe(256);
    expect(Array.from(table.slice(0, 4), (v) => v >>> 0)).toEqual([0x41b5d3ab, 0xda946494, 0x922c5534, 0xcae35ca7]);
  });

  it("equals the documented HMAC-SHA-256 counter construction, computed independently", async () => {
    const table = await createGearTable(OTHER_SEED);
    const blocks = Array.from({ length: 32 }, (_, i) => {
      const counter = Buffer.alloc(4);
      counter.writeUInt32BE(i);
      return createHmac("sha256", OTHER_SEED).update(Buffer.concat([Buffer.from(GEAR_TABLE_LABEL, "utf8"), counter])).digest();
    });
    expect(tableBytes(table).equals(Buffer.concat(blocks))).toBe(true);
  });

  it("pins the whole table of the fixed seed", async () => {
    const table = await createGearTable(TEST_SEED);
    expect(createHash("sha256").update(tableBytes(table)).digest("hex")).toBe(
      "3e05f5469ae73894d601c6ed1b4392a81bcaa71ec567ca7da3c90d141f0cc591",
    );
  });

  it("gives different tables for different seeds and the same table for the same seed", async () => {
    const a = await createGearTable(TEST_SEED);
    const b = await createGearTable(OTHER_SEED);
    const a2 = await createGearTable(new Uint8Array(TEST_SEED));
    expect(a2).toEqual(a);
    const equalEntries = a.filter((v, i) => v === b[i]).length;
    expect(equalEntries).toBeLessThan(2);
  });

  it("has well-spread bits (each bit set in roughly half the entries)", async () => {
    const table = await createGearTable(TEST_SEED);
    for (let bit = 0; bit < 32; bit++) {
      const ones = table.filter((v) => ((v >>> bit) & 1) === 1).length;
      expect(ones).toBeGreaterThan(96);
      expect(ones).toBeLessThan(160);
    }
  });

  it("refuses seeds of the wrong length or type", async () => {
    await expect(createGearTable(new Uint8Array(16))).rejects.toThrow(/gear seed must be 32 bytes, got 16/);
    await expect(createGearTable(new Uint8Array(33))).rejects.toThrow(/got 33/);
    await expect(createGearTable("secret" as unknown as Uint8Array)).rejects.toThrow(TypeError);
  });

  it("assertGearTable refuses anything but a 256-entry Int32Array", () => {
    expect(() => assertGearTable(new Uint32Array(256))).toThrow(/Int32Array of 256 entries/);
    expect(() => assertGearTable(new Int32Array(255))).toThrow(/Int32Array of 256 entries/);
    expect(() => assertGearTable(new Int32Array(256))).not.toThrow();
  });
});
