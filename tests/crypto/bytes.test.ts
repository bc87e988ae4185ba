import { describe, expect, it } from "vitest";
import { fromHex, hexWindow, toHex } from "../../lib/crypto/bytes.ts";

/** Hex of each byte by the textbook method, to compare the fast paths with. */
function plainHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

describe("hex helpers", () => {
  const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff);

  it("encodes short and long inputs, and views inside a larger buffer, the same way", () => {
    for (const n of [0, 1, 16, 31, 32, 33, 300]) expect(toHex(bytes.subarray(0, n))).toBe(plainHex(bytes.subarray(0, n)));
    const inner = bytes.subarray(7, 107);
    expect(toHex(inner)).toBe(plainHex(inner));
    expect(fromHex(toHex(inner))).toEqual(new Uint8Array(inner));
  });

  it("reads and writes fields in place at their offsets, leaving the rest untouched", () => {
    const buffer = new Uint8Array(64).fill(0xee);
    const view = buffer.subarray(8, 56);
    const window = hexWindow(view);
    window.write("00112233445566778899aabbccddeeff", 4);
    expect(window.read(4, 20)).toBe("00112233445566778899aabbccddeeff");
    expect(window.read(0, 4)).toBe("eeeeeeee");
    expect(buffer[8 + 4]).toBe(0x00);
    expect(buffer[8 + 19]).toBe(0xff);
    expect(buffer[8 + 20]).toBe(0xee);
    expect(buffer[7]).toBe(0xee);
  });
});
