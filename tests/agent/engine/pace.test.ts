import { describe, expect, it } from "vitest";
import { PACE_MAX_MS, pause, paceMs } from "../../../lib/agent/engine/pace.ts";

describe("pacing the running agent's passes (A5, Q2)", () => {
  it("waits a few times the plan's duration, at most two seconds, and not at all without a plan", () => {
    expect(paceMs(0)).toBe(0);
    expect(paceMs(Number.NaN)).toBe(0);
    expect(paceMs(40)).toBe(160);
    expect(paceMs(120.4, 3, 5000)).toBe(361);
    expect(paceMs(10_000)).toBe(PACE_MAX_MS);
  });

  it("ends the wait when the passes are cancelled (pause, shutdown)", async () => {
    const controller = new AbortController();
    const started = performance.now();
    const waiting = pause(60_000, controller.signal);
    controller.abort(new Error("cancelled"));
    await waiting;
    expect(performance.now() - started).toBeLessThan(30_000);
    await pause(60_000, controller.signal); // already aborted: no wait
    await pause(0, new AbortController().signal);
  });

  it("waits the time asked when nothing cancels it", async () => {
    const started = performance.now();
    await pause(20, new AbortController().signal);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });
});
