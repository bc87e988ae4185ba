/** The header's health summary (A24), without a browser. */
import { describe, expect, it } from "vitest";
import { OFFLINE_FLAG_MS, STALLED_MS, summarizeHealth } from "../../web/health.ts";
import type { Machine, MachineStatus } from "../../web/live.ts";

const NOW = 1_800_000_000_000;
function machine(name: string, status: Partial<MachineStatus>, lastSeenAt: number | null = NOW): Machine {
  const base: MachineStatus = { state: "idle", lastFile: null, lastSyncedAt: null, speedBps: null, filesSynced: 0, filesPending: 0, bytesStored: 0, errors: 0, conflicts: 0, lastError: null, updatedAt: NOW, behind: 0 };
  return { id: name, name, platform: "linux", createdAt: NOW - 86_400_000, lastSeenAt, status: { ...base, ...status } };
}

describe("health summary", () => {
  it("says all is in sync, or that there is no machine", () => {
    expect(summarizeHealth([], NOW)).toMatchObject({ tone: "", text: "No machines yet" });
    expect(summarizeHealth([machine("laptop", {})], NOW)).toMatchObject({ tone: "ok", text: "All in sync" });
    expect(summarizeHealth([machine("laptop", {}), machine("nas", { state: "offline" }, NOW - 60_000)], NOW)).toMatchObject({ tone: "ok", text: "In sync · 1 offline", detail: "Offline: nas" });
  });

  it("names a failing machine first, with its error in the detail", () => {
    const s = summarizeHealth([machine("laptop", { state: "paused" }), machine("nas", { state: "error", lastError: "disk full" })], NOW);
    expect(s).toMatchObject({ tone: "bad", text: "nas failing" });
    expect(s.detail).toBe("nas is failing: disk full; laptop is paused");
    expect(summarizeHealth([machine("a", { state: "error" }), machine("b", { state: "error" }), machine("c", { state: "error" })], NOW).text).toBe("a and 2 more failing");
  });

  it("flags a machine syncing without news past the threshold as stalled", () => {
    expect(summarizeHealth([machine("laptop", { state: "syncing", updatedAt: NOW - STALLED_MS + 1000 })], NOW)).toMatchObject({ tone: "busy", text: "Syncing on 1" });
    expect(summarizeHealth([machine("laptop", { state: "syncing", updatedAt: NOW - STALLED_MS - 1000 })], NOW)).toMatchObject({ tone: "warn", text: "laptop stalled" });
  });

  it("flags a machine offline past the threshold, and a paused one", () => {
    const long = machine("nas", { state: "offline" }, NOW - OFFLINE_FLAG_MS - 1000);
    expect(summarizeHealth([machine("laptop", {}), long], NOW)).toMatchObject({ tone: "warn", text: "nas offline" });
    expect(summarizeHealth([long], NOW)).toMatchObject({ tone: "warn", text: "All machines offline" });
    expect(summarizeHealth([machine("laptop", { state: "paused" })], NOW)).toMatchObject({ tone: "warn", text: "laptop paused", detail: "laptop is paused" });
  });
});
