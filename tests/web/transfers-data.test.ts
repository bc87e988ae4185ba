/** The live transfers' arithmetic, without a browser. */
import { describe, expect, it } from "vitest";
import { activeTransfers, foldTransfer, percentDone, TRANSFER_STALE_MS, type Transfer } from "../../web/transfers-data.ts";
import type { LiveReport } from "../../web/live.ts";

const t = (over: Partial<Transfer>): Transfer => ({ machineId: "a", nodeId: null, direction: "upload", bytesDone: 0, bytesTotal: 100, speedBps: null, at: 1000, madeAt: null, ...over });
const report = (r: LiveReport["report"], machineId = "a"): LiveReport => ({ machineId, ts: 0, report: r });
const progress = (ts: number, bytesDone = 10) => report({ type: "sync_progress", ts, bytesDone, bytesTotal: 100, direction: "upload" });

describe("live transfers", () => {
  it("gives the share done, whole percents, never past 100", () => {
    expect(percentDone(t({ bytesDone: 0 }))).toBe(0);
    expect(percentDone(t({ bytesDone: 999, bytesTotal: 1000 }))).toBe(99);
    expect(percentDone(t({ bytesDone: 150 }))).toBe(100);
    expect(percentDone(t({ bytesTotal: 0 }))).toBe(0);
  });

  it("ends a transfer without news for a while", () => {
    const all = { a: t({ machineId: "a", at: 1000 }), b: t({ machineId: "b", at: 1000 + TRANSFER_STALE_MS }) };
    expect(activeTransfers(all, 1000 + TRANSFER_STALE_MS - 1).map((x) => x.machineId)).toEqual(["a", "b"]);
    expect(activeTransfers(all, 1000 + TRANSFER_STALE_MS).map((x) => x.machineId)).toEqual(["b"]);
  });

  it("starts and moves a transfer with progress, and ends it with a later report that ends it", () => {
    let all = foldTransfer({}, progress(500, 10), 2000);
    expect(all.a).toMatchObject({ bytesDone: 10, bytesTotal: 100, at: 2000, madeAt: 500 });
    all = foldTransfer(all, progress(600, 40), 2100);
    expect(all.a?.bytesDone).toBe(40);
    for (const ending of [{ type: "sync_completed", ts: 700 }, { type: "sync_error", ts: 700, message: "x" }, { type: "state", ts: 700, state: "paused" }]) {
      expect(foldTransfer(all, report(ending)).a).toBeUndefined();
    }
  });

  it("keeps a transfer through reports that do not end it, and through an ending report made before its progress", () => {
    const all = foldTransfer({}, progress(500), 2000);
    // Made before the progress, delivered after it (the agent's outbox is slower than its live progress).
    expect(foldTransfer(all, report({ type: "sync_completed", ts: 499 }))).toBe(all);
    for (const kept of [{ type: "sync_started", ts: 900 }, { type: "cursor", ts: 900 }, { type: "conflict_detected", ts: 900 }, { type: "state", ts: 900, state: "syncing" }]) {
      expect(foldTransfer(all, report(kept))).toBe(all);
    }
    expect(foldTransfer(all, report({ type: "sync_completed", ts: 900 }, "b"))).toBe(all); // another machine's
  });
});
