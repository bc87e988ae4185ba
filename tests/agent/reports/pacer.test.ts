// The send pacer on a manual clock: burst, sustained rate, reserve, drain.
import { describe, expect, it } from "vitest";
import { Pacer } from "../../../lib/agent/reports/pacer.ts";

describe("Pacer", () => {
  it("lets a burst through, then one message per period, and says how long to wait", () => {
    let now = 0;
    const pacer = new Pacer({ burst: 3, perSecond: 10 }, () => now);
    expect([pacer.take(), pacer.take(), pacer.take()]).toEqual([0, 0, 0]);
    expect(pacer.take()).toBe(100);
    now = 99;
    expect(pacer.take()).toBeGreaterThan(0);
    now = 100;
    expect(pacer.take()).toBe(0);
    now = 10_000;
    expect([pacer.take(), pacer.take(), pacer.take(), pacer.take()]).toEqual([0, 0, 0, 100]);
  });

  it("keeps a reserve for takeAbove, empties on drain and fills on refill", () => {
    let now = 0;
    const pacer = new Pacer({ burst: 4, perSecond: 1 }, () => now);
    expect(pacer.halfBurst).toBe(2);
    expect(pacer.takeAbove(2)).toBe(true);
    expect(pacer.takeAbove(2)).toBe(true);
    expect(pacer.takeAbove(2)).toBe(false);
    expect(pacer.take()).toBe(0);
    pacer.drain();
    expect(pacer.take()).toBe(1000);
    pacer.refill();
    expect(pacer.take()).toBe(0);
    now = 1;
    expect(pacer.takeAbove(0)).toBe(true);
  });
});
