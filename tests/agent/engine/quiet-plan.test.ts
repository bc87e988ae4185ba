import { describe, expect, it } from "vitest";
import type { Plan } from "../../../lib/agent/coordinator/actions.ts";
import { markQuiet, quietPlan, type PlanInputs } from "../../../lib/agent/engine/quiet-plan.ts";
import type { ScanResult } from "../../../lib/agent/scan/scan.ts";

const scan: ScanResult = { entries: new Map(), skipped: [] };
const noSuspects: ReadonlySet<string> = new Set();
const unsyncable: Plan["unsyncable"] = [{ path: "a:b", nodeId: "n1", reason: "a colon" }];

function inputs(over: Partial<PlanInputs> = {}): PlanInputs {
  return { remote: 3, synced: 2, failures: 1, scan, rules: "", suspects: noSuspects, at: 1000, localChanged: false, unstable: 0, retryDue: () => false, ...over };
}

describe("a pass that plans from the same inputs as a plan with nothing to do (A5)", () => {
  const mark = markQuiet({ actions: [], unsyncable }, inputs());

  it("takes the earlier answer, unsyncable names included, when nothing changed", () => {
    expect(mark).not.toBeNull();
    expect(quietPlan(mark, inputs({ at: 5000 }))).toEqual({ actions: [], unsyncable });
  });

  it("plans again when any input changed", () => {
    expect(quietPlan(null, inputs())).toBeNull();
    expect(quietPlan(mark, inputs({ remote: 4 }))).toBeNull();
    expect(quietPlan(mark, inputs({ synced: 3 }))).toBeNull();
    expect(quietPlan(mark, inputs({ failures: 2 }))).toBeNull();
    expect(quietPlan(mark, inputs({ scan: { entries: new Map(), skipped: [] } }))).toBeNull();
    expect(quietPlan(mark, inputs({ rules: "*.log" }))).toBeNull();
    expect(quietPlan(mark, inputs({ suspects: new Set() }))).toBeNull();
    expect(quietPlan(mark, inputs({ localChanged: true }))).toBeNull();
    expect(quietPlan(mark, inputs({ unstable: 1 }))).toBeNull();
  });

  it("plans again when a failing path's retry came due since", () => {
    const asked: Array<[number, number]> = [];
    expect(quietPlan(mark, inputs({ at: 7000, retryDue: (from, to) => (asked.push([from, to]), true) }))).toBeNull();
    expect(asked).toEqual([[1000, 7000]]);
  });

  it("leaves no mark after a plan with something to do, or with a file still being written", () => {
    expect(markQuiet({ actions: [{ type: "forget", nodeId: "n" }], unsyncable: [] }, inputs())).toBeNull();
    expect(markQuiet({ actions: [], unsyncable: [] }, inputs({ unstable: 1 }))).toBeNull();
  });
});
