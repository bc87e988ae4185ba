/**
 * The daily maintenance schedule (S5, S7): `scheduleDaily` runs its task at
 * the given local hour, every day, keeps going after a failed run, and stops
 * when cancelled. The clock is vitest's fake timers, so nothing waits.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { scheduleDaily } from "../../lib/server/schedule.ts";

const DAY = 24 * 3_600_000;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date(2026, 0, 10, 2, 59, 0));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("scheduleDaily", () => {
  it("runs at the hour, then again every day at the same hour", async () => {
    const runs: Date[] = [];
    const cancel = scheduleDaily(3, () => Promise.resolve(void runs.push(new Date())), () => undefined);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs.map((d) => [d.getDate(), d.getHours(), d.getMinutes()])).toEqual([[10, 3, 0]]);
    await vi.advanceTimersByTimeAsync(DAY);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(runs.map((d) => [d.getDate(), d.getHours()])).toEqual([
      [10, 3],
      [11, 3],
      [12, 3],
    ]);
    cancel();
  });

  it("reports a failed run and still runs the next day", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const cancel = scheduleDaily(
      3,
      () => (++calls === 1 ? Promise.reject(new Error("disk full")) : Promise.resolve()),
      (error) => errors.push(error),
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(errors).toEqual([new Error("disk full")]);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
    cancel();
  });

  it("never runs once cancelled, even when cancelled during a run", async () => {
    let calls = 0;
    let cancel = scheduleDaily(3, () => Promise.resolve(void calls++), () => undefined);
    cancel();
    await vi.advanceTimersByTimeAsync(2 * DAY);
    expect(calls).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    cancel = scheduleDaily(
      3,
      () => {
        calls++;
        cancel();
        return Promise.resolve();
      },
      () => undefined,
    );
    await vi.advanceTimersByTimeAsync(2 * DAY);
    expect(calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
