/**
 * The transfers in progress, per machine, from the agents' live
 * `sync_progress` reports (progress is live only: the server keeps no
 * history of it). A machine's transfer ends with its next report of
 * another kind (finished, failed, paused) or when no progress came for a
 * while.
 */
import { liveMachines, onLive } from "./live.ts";
import { store } from "./store.ts";

/** One machine's transfer as last reported. */
export interface Transfer {
  machineId: string;
  /** The file's node id, when the agent names it. */
  nodeId: string | null;
  direction: "upload" | "download";
  bytesDone: number;
  bytesTotal: number;
  speedBps: number | null;
  /** When the report arrived (the server's clock). */
  at: number;
}

/** A transfer without news for this long is over. */
export const TRANSFER_STALE_MS = 15_000;

/** The transfers, by machine id. */
export const liveTransfers = store<Record<string, Transfer>>({});

function drop(machineId: string): void {
  const current = liveTransfers.get();
  if (!(machineId in current)) return;
  const next = { ...current };
  delete next[machineId];
  liveTransfers.set(next);
}

/**
 * A transfer's completed share.
 * @param t The transfer.
 * @returns 0 to 100.
 */
export function percentDone(t: Transfer): number {
  return t.bytesTotal > 0 ? Math.min(100, Math.floor((t.bytesDone / t.bytesTotal) * 100)) : 0;
}

/**
 * The transfers still running at a time.
 * @param all The transfers by machine.
 * @param now The time.
 * @returns Those with recent news.
 */
export function activeTransfers(all: Record<string, Transfer>, now = Date.now()): Transfer[] {
  return Object.values(all).filter((t) => now - t.at < TRANSFER_STALE_MS);
}

onLive((message) => {
  if (message.type !== "report") return;
  const r = message.report;
  if (r.type === "sync_progress") {
    liveTransfers.set({
      ...liveTransfers.get(),
      [message.machineId]: {
        machineId: message.machineId,
        nodeId: r.nodeId ?? null,
        direction: r.direction === "download" ? "download" : "upload",
        bytesDone: r.bytesDone ?? 0,
        bytesTotal: r.bytesTotal ?? 0,
        speedBps: r.speedBps ?? null,
        at: Date.now(),
      },
    });
  } else if (r.type !== "cursor") drop(message.machineId);
});
liveMachines.subscribe((machines) => {
  if (!machines) liveTransfers.set({});
});
