import { describe, expect, it } from "vitest";
import { RevisionMap } from "../../../lib/agent/state/revision-map.ts";

describe("RevisionMap (A5)", () => {
  it("counts every change and nothing else", () => {
    const m = new RevisionMap<string, number>([["a", 1]]);
    expect(m.revision).toBe(0);
    expect(m.get("a")).toBe(1);
    m.set("b", 2);
    m.set("b", 2);
    expect(m.revision).toBe(2);
    expect(m.delete("zz")).toBe(false);
    expect(m.revision).toBe(2);
    expect(m.delete("a")).toBe(true);
    expect(m.revision).toBe(3);
    m.clear();
    expect(m.revision).toBe(4);
    m.clear();
    expect(m.revision).toBe(4);
    expect(m.size).toBe(0);
    expect(m).toBeInstanceOf(Map);
  });

  it("takes a loaded revision map as it is, and copies a plain map", () => {
    const loaded = new RevisionMap<string, number>([["a", 1]]);
    expect(RevisionMap.of(loaded)).toBe(loaded);
    const copy = RevisionMap.of(new Map([["b", 2]]));
    expect(copy).toBeInstanceOf(RevisionMap);
    expect([...copy]).toEqual([["b", 2]]);
    expect(copy.revision).toBe(0);
  });

  it("fills a fresh map without counting", () => {
    const m = new RevisionMap<string, number>();
    m.seed("a", 1);
    m.seed("b", 2);
    expect(m.revision).toBe(0);
    expect([...m]).toEqual([["a", 1], ["b", 2]]);
    m.set("a", 3);
    expect(m.revision).toBe(1);
  });

  it("lists the keys changed since it started tracking, with the value each had then, up to a limit", () => {
    const m = new RevisionMap<string, number>([["a", 1], ["b", 2]]);
    expect(m.changed).toBeNull();
    m.track(3);
    m.set("a", 10);
    m.set("a", 11);
    m.delete("b");
    m.delete("zz");
    m.set("c", 3);
    expect([...m.changed!]).toEqual([["a", 1], ["b", 2], ["c", undefined]]);
    m.set("d", 4);
    expect(m.changed).toBeNull(); // beyond the limit: given up
    m.track(10);
    expect(m.changed!.size).toBe(0);
    m.set("e", 5);
    m.clear();
    expect(m.changed).toBeNull(); // a clear cannot be listed
  });
});

