// The agent's own measurements (E6): pass durations, change-to-synced
// latency, items, failures, and the lag flagged past its threshold.
import { describe, expect, it } from "vitest";
import { SyncMetrics } from "../../../lib/agent/progress/sync-metrics.ts";

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe("SyncMetrics (E6)", () => {
  it("starts empty: no pass, no latency, no lag", () => {
    const m = new SyncMetrics({ now: clock().now });
    expect(m.snapshot()).toEqual({ passes: 0, lastPassMs: null, passMs: null, changeLatencyMs: null, files: { up: 0, down: 0 }, failures: 0, lagMs: 0, lagging: false, lagThresholdMs: 60_000 });
  });

  it("times passes and the latency from a change to the pass loop settling", () => {
    const c = clock();
    const m = new SyncMetrics({ now: c.now });
    m.changed();
    c.advance(300); // the watcher's debounce and the delay
    m.passStarted();
    c.advance(120);
    m.synced("up");
    m.passFinished();
    m.settled(true);
    const s = m.snapshot();
    expect(s.passes).toBe(1);
    expect(s.lastPassMs).toBe(120);
    expect(s.changeLatencyMs).toEqual({ p50: 420, p95: 420 });
    expect(s.files).toEqual({ up: 1, down: 0 });
    expect(s.lagMs).toBe(0);
  });

  it("a change during a pass is covered by the next one, and the oldest change sets the latency", () => {
    const c = clock();
    const m = new SyncMetrics({ now: c.now });
    m.changed();
    m.passStarted();
    c.advance(100);
    m.changed(); // seen while the first pass runs
    m.passFinished();
    m.passStarted();
    c.advance(100);
    m.passFinished();
    m.settled(true);
    expect(m.snapshot().changeLatencyMs).toEqual({ p50: 200, p95: 200 });
    expect(m.snapshot().passes).toBe(2);
  });

  it("the lag grows while a change waits (offline, failing) and is flagged past the threshold", () => {
    const c = clock();
    const m = new SyncMetrics({ now: c.now, lagThresholdMs: 60_000 });
    m.changed();
    m.passStarted();
    m.failed();
    m.passFinished();
    m.settled(false); // the item failed: its change still waits
    c.advance(59_000);
    expect(m.snapshot()).toMatchObject({ lagMs: 59_000, lagging: false, failures: 1 });
    c.advance(2_000);
    expect(m.snapshot()).toMatchObject({ lagMs: 61_000, lagging: true });
    m.passStarted();
    m.passFinished();
    m.settled(true);
    expect(m.snapshot()).toMatchObject({ lagMs: 0, lagging: false });
    expect(m.snapshot().changeLatencyMs?.p95).toBe(61_000);
  });

  it("passes with nothing to cover record no latency; the window keeps the recent values", () => {
    const c = clock();
    const m = new SyncMetrics({ now: c.now, window: 3 });
    for (const ms of [10, 20, 30, 40, 50]) {
      m.passStarted();
      c.advance(ms);
      m.passFinished();
      m.settled(true);
    }
    const s = m.snapshot();
    expect(s.changeLatencyMs).toBeNull();
    expect(s.passes).toBe(5);
    expect(s.passMs).toEqual({ p50: 40, p95: 50 });
    m.passFinished(); // no pass running: ignored
    expect(m.snapshot().passes).toBe(5);
  });
});
