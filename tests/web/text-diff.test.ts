/** The conflict view's line diff, without a browser. */
import { describe, expect, it } from "vitest";
import { asText, lineDiff, splitLines } from "../../web/text-diff.ts";

const ops = (before: string, after: string) => lineDiff(before, after).map((l) => `${l.op === "same" ? " " : l.op === "added" ? "+" : "-"}${l.text}`);

describe("line diff", () => {
  it("splits lines, a final newline ending the last one", () => {
    expect(splitLines("")).toEqual([]);
    expect(splitLines("a\nb\n")).toEqual(["a", "b"]);
    expect(splitLines("a\r\nb")).toEqual(["a", "b"]);
    expect(splitLines("\n")).toEqual([""]);
  });

  it("keeps what both share and marks what each changed", () => {
    expect(ops("one\ntwo\nthree\n", "one\ntwo from the kitchen\nthree\nfour\n")).toEqual([" one", "-two", "+two from the kitchen", " three", "+four"]);
    expect(ops("same\n", "same\n")).toEqual([" same"]);
    expect(ops("", "new\n")).toEqual(["+new"]);
    expect(ops("gone\n", "")).toEqual(["-gone"]);
  });

  it("numbers the lines of each side", () => {
    const diff = lineDiff("a\nb\nc\n", "a\nc\nd\n");
    expect(diff).toEqual([
      { op: "same", text: "a", a: 1, b: 1 },
      { op: "removed", text: "b", a: 2 },
      { op: "same", text: "c", a: 3, b: 2 },
      { op: "added", text: "d", b: 3 },
    ]);
  });

  it("finds the longest common run in the middle, not just the first match", () => {
    expect(ops("x\na\nb\nc\ny\n", "x\nb\nc\na\ny\n")).toEqual([" x", "-a", " b", " c", "+a", " y"]);
  });

  it("falls back to removed-then-added past the table's size, keeping the shared start and end", () => {
    const a = Array.from({ length: 2100 }, (_, i) => `a${i}`).join("\n");
    const b = Array.from({ length: 2100 }, (_, i) => `b${i}`).join("\n");
    const diff = lineDiff(`head\n${a}\ntail\n`, `head\n${b}\ntail\n`);
    expect(diff[0]).toEqual({ op: "same", text: "head", a: 1, b: 1 });
    expect(diff.at(-1)).toEqual({ op: "same", text: "tail", a: 2102, b: 2102 });
    expect(diff.filter((l) => l.op === "removed")).toHaveLength(2100);
    expect(diff.filter((l) => l.op === "added")).toHaveLength(2100);
    expect(diff[1]!.op).toBe("removed");
  });

  it("reads text, and refuses binaries and invalid UTF-8", () => {
    expect(asText(new TextEncoder().encode("héllo\n"))).toBe("héllo\n");
    expect(asText(new Uint8Array([104, 0, 105]))).toBeNull();
    expect(asText(new Uint8Array([0xff, 0xfe, 0x41]))).toBeNull();
  });
});
