import { describe, expect, it } from "vitest";
import { MAX_RUN_BYTES, MAX_RUN_GAP, planReads } from "../../lib/server/chunks/read-plan.ts";
import type { PackRef } from "../../lib/server/chunks/pack.ts";

interface Item {
  id: string;
  pack: PackRef | null;
}

const at = (id: string, key: string, offset: number, length: number): Item => ({ id, pack: { key, offset, length } });
const plan = (items: Item[]) => planReads(items, (i) => i.pack);
const shape = (items: Item[]) =>
  plan(items).map((r) => (r.kind === "single" ? r.item.id : { key: r.key, offset: r.offset, length: r.length, members: r.members.map((m) => [m.item.id, m.at, m.length]) }));

describe("batch download read plan (S6)", () => {
  it("reads neighbours in one pack with one read, each chunk at its place in it", () => {
    expect(shape([at("a", "p", 0, 100), at("b", "p", 100, 50), at("c", "p", 150, 10)])).toEqual([
      { key: "p", offset: 0, length: 160, members: [["a", 0, 100], ["b", 100, 50], ["c", 150, 10]] },
    ]);
  });

  it("joins across a small gap and reads the gap, but not across a large one", () => {
    expect(shape([at("a", "p", 0, 10), at("b", "p", 10 + MAX_RUN_GAP, 10), at("c", "p", 30 + 2 * MAX_RUN_GAP + 1, 5)])).toEqual([
      { key: "p", offset: 0, length: 20 + MAX_RUN_GAP, members: [["a", 0, 10], ["b", 10 + MAX_RUN_GAP, 10]] },
      { key: "p", offset: 30 + 2 * MAX_RUN_GAP + 1, length: 5, members: [["c", 0, 5]] },
    ]);
  });

  it("keeps the asked order: a chunk earlier in the pack, another pack or a standalone chunk starts a new read", () => {
    const items = [at("a", "p", 100, 10), at("b", "p", 0, 10), at("c", "q", 10, 10), { id: "d", pack: null }, at("e", "q", 20, 10)];
    expect(plan(items).map((r) => (r.kind === "single" ? `single:${r.item.id}` : `run:${r.key}:${r.members.map((m) => m.item.id).join("")}`))).toEqual([
      "run:p:a",
      "run:p:b",
      "run:q:c",
      "single:d",
      "run:q:e",
    ]);
  });

  it("never spans more than MAX_RUN_BYTES in one read, except a lone chunk", () => {
    const third = Math.floor(MAX_RUN_BYTES / 3);
    const items = [at("a", "p", 0, third), at("b", "p", third, third), at("c", "p", 2 * third, third), at("d", "p", 3 * third, third), at("e", "p", 4 * third, MAX_RUN_BYTES + 1)];
    const reads = plan(items);
    expect(reads.map((r) => (r.kind === "run" ? r.members.length : 0))).toEqual([3, 1, 1]);
    for (const r of reads.slice(0, 2)) expect(r.kind === "run" && r.length <= MAX_RUN_BYTES).toBe(true);
  });

  it("puts every item in exactly one read", () => {
    const items = Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? { id: `s${i}`, pack: null } : at(`c${i}`, `p${i % 3}`, i * 10, 10)));
    const seen = plan(items).flatMap((r) => (r.kind === "single" ? [r.item.id] : r.members.map((m) => m.item.id)));
    expect(seen).toEqual(items.map((i) => i.id));
  });
});
