/** Which machine problems are told as they start (A24), without a browser. */
import { describe, expect, it } from "vitest";
import { freshProblems } from "../../web/health-alerts.ts";
import { healthProblems, OFFLINE_FLAG_MS, STALLED_MS } from "../../web/health.ts";
import type { Machine, MachineStatus } from "../../web/live.ts";

const NOW = 1_800_000_000_000;
function machine(id: string, status: Partial<MachineStatus>, lastSeenAt: number | null = NOW): Machine {
  const base: MachineStatus = { state: "idle", lastFile: null, lastSyncedAt: null, speedBps: null, filesSynced: 0, filesPending: 0, bytesStored: 0, errors: 0, conflicts: 0, lastError: null, updatedAt: NOW, behind: 0 };
  return { id, name: `machine ${id}`, platform: "linux", createdAt: NOW - 86_400_000, lastSeenAt, status: { ...base, ...status } };
}

describe("health problems", () => {
  it("names failing, stalled and long-offline machines, not paused or idle ones", () => {
    const problems = healthProblems([
      machine("a", { state: "error", lastError: "disk full" }),
      machine("b", { state: "syncing", updatedAt: NOW - STALLED_MS - 1 }),
      machine("c", { state: "offline" }, NOW - OFFLINE_FLAG_MS - 1),
      machine("d", { state: "offline" }, NOW - 60_000),
      machine("e", { state: "paused" }),
      machine("f", { state: "syncing" }),
      machine("g", { state: "error" }),
    ], NOW);
    expect(problems).toEqual([
      { key: "a:error", text: "machine a is failing: disk full" },
      { key: "b:stalled", text: "machine b has stalled: no news for over 10 minutes while syncing" },
      { key: "c:offline", text: "machine c has been offline for over 60 minutes" },
      { key: "g:error", text: "machine g is failing" },
    ]);
  });

  it("tells only the problems not seen before", () => {
    const now = [{ key: "a:error", text: "a" }, { key: "b:stalled", text: "b" }];
    expect(freshProblems(new Set(["a:error"]), now)).toEqual([{ key: "b:stalled", text: "b" }]);
    expect(freshProblems(new Set(["a:error", "b:stalled"]), now)).toEqual([]);
  });
});
