// The control socket's line framing: split chunks, multi-byte characters, the bound.
import { describe, expect, it } from "vitest";
import { LineSplitter, LineTooLongError } from "../../../lib/agent/control/lines.ts";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("LineSplitter", () => {
  it("joins lines split across chunks, even inside a multi-byte character", () => {
    const lines = new LineSplitter(1024);
    const all = bytes('{"a":"é"}\n\n{"b":2}\n{"c"');
    const cut = all.indexOf(0xa9); // second byte of é
    expect(lines.push(all.slice(0, cut))).toEqual([]);
    expect(lines.push(all.slice(cut))).toEqual(['{"a":"é"}', '{"b":2}']);
    expect(lines.push(bytes(":3}\n"))).toEqual(['{"c":3}']);
  });

  it("refuses a line past the bound, counted in bytes, with or without its newline", () => {
    expect(() => new LineSplitter(10).push(bytes("x".repeat(11)))).toThrow(LineTooLongError);
    expect(() => new LineSplitter(10).push(bytes(`${"x".repeat(11)}\n`))).toThrow(/more than 10 bytes/);
    expect(() => new LineSplitter(10).push(bytes("ééééé\n"))).not.toThrow();
    expect(() => new LineSplitter(10).push(bytes("éééééé\n"))).toThrow(LineTooLongError);
  });
});
