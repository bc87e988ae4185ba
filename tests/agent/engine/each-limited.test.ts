// Bounded work over many items: every item once, in order, never more than the limit at once.
import { describe, expect, it } from "vitest";
import { eachLimited } from "../../../lib/agent/engine/each-limited.ts";

describe("eachLimited", () => {
  it("runs every item once, in order, at most the limit at once", async () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    await eachLimited(items, 7, async (n) => {
      started.push(n);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
    });
    expect(started).toEqual(items);
    expect(most).toBe(7);
  });

  it("does nothing for no items, runs one at a time below a limit of one, and rejects with a thrown error", async () => {
    let calls = 0;
    await eachLimited([], 4, () => {
      calls++;
      return Promise.resolve();
    });
    expect(calls).toBe(0);
    let running = 0;
    await eachLimited([1, 2, 3], 0, async () => {
      running++;
      expect(running).toBe(1);
      await Promise.resolve();
      running--;
    });
    await expect(eachLimited([1, 2], 2, (n) => (n === 2 ? Promise.reject(new Error("two")) : Promise.resolve()))).rejects.toThrow("two");
  });
});
