/** The live transfers' arithmetic, without a browser. */
import { describe, expect, it } from "vitest";
import { activeTransfers, percentDone, TRANSFER_STALE_MS, type Transfer } from "../../web/transfers-data.ts";

const t = (over: Partial<Transfer>): Transfer => ({ machineId: "a", nodeId: null, direction: "upload", bytesDone: 0, bytesTotal: 100, speedBps: null, at: 1000, ...over });

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
});
