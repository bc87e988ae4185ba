// The collection hint (lib/runtime/gc.ts): a cheap hint after each large
// buffer, and a full collection once enough bytes were released, at most so
// often; nothing at all where the runtime has no collector to call.
import { describe, expect, it } from "vitest";
import { createCollectionHint, hintGarbageCollection } from "../../lib/runtime/gc.ts";

function recorder() {
  const calls: boolean[] = [];
  return { calls, collector: { gc: (force: boolean) => void calls.push(force) } };
}

describe("the garbage collection hint", () => {
  it("schedules a collection after each hint and forces one once enough bytes were released", () => {
    const r = recorder();
    const t = 0;
    const hint = createCollectionHint(r.collector, { forceAfterBytes: 100, minIntervalMs: 50, now: () => t });
    hint(40);
    hint(40);
    expect(r.calls).toEqual([false, false]);
    hint(40); // 120 bytes released: a full collection
    expect(r.calls).toEqual([false, false, true]);
    hint(); // a hint without bytes only schedules
    expect(r.calls.at(-1)).toBe(false);
  });

  it("forces no more often than the interval, and keeps counting meanwhile", () => {
    const r = recorder();
    let t = 1000;
    const hint = createCollectionHint(r.collector, { forceAfterBytes: 10, minIntervalMs: 250, now: () => t });
    hint(10);
    t += 100;
    hint(50); // over the threshold again, but too soon
    expect(r.calls).toEqual([true, false]);
    t += 200;
    hint(0); // the interval passed and 50 bytes wait: forced now
    expect(r.calls).toEqual([true, false, true]);
  });

  it("does nothing where the runtime exposes no collector (Node, Deno)", () => {
    const hint = createCollectionHint(undefined);
    expect(() => hint(1 << 30)).not.toThrow();
    expect(() => hintGarbageCollection(1 << 30)).not.toThrow();
  });
});
