/**
 * Focused plans (A5, Q2) against full ones over the property runs: every
 * pass the engine would plan focused (after a full plan, while nothing is
 * left alone) is planned both ways, and the focused plan must be the full
 * plan, action for action. FOCUS_SEEDS=N runs
 * N seeds, FOCUS_SEED=S replays one.
 */
import { describe, expect, it } from "vitest";
import { focusingPlanner, type FocusReport } from "./focused.ts";
import { runSeed } from "./run.ts";
import type { World } from "./world.ts";

const EVENTS = Number(process.env.PROPERTY_EVENTS ?? 30);
const SEEDS = process.env.FOCUS_SEED !== undefined ? [Number(process.env.FOCUS_SEED)] : Array.from({ length: Number(process.env.FOCUS_SEEDS ?? 2000) }, (_, i) => i + 1);

describe(`focused plans over ${SEEDS.length} seeds × up to ${EVENTS} events`, () => {
  it("are the full plans, and narrow the trees they read", () => {
    const failures: string[] = [];
    let compared = 0;
    let narrowed = 0;
    for (const seed of SEEDS) {
      const report: FocusReport = { compared: 0, mismatches: [], narrowest: null };
      const run = runSeed(seed, EVENTS, (world: World) => focusingPlanner(report, world), true);
      compared += report.compared;
      if (report.narrowest && report.narrowest.focused < report.narrowest.full) narrowed++;
      if (report.mismatches.length > 0) failures.push(`seed ${seed} (replay: FOCUS_SEED=${seed}):\n${report.mismatches[0]}\nevents:\n  ${run.log.join("\n  ")}`);
    }
    expect(failures.length, `${failures.length} of ${SEEDS.length} seeds differ\n${failures[0] ?? ""}`).toBe(0);
    expect(compared).toBeGreaterThan(SEEDS.length);
    expect(narrowed).toBeGreaterThan(0);
  });
});
