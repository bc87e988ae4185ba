/**
 * The transfers in progress, per machine, from the agents' live
 * `sync_progress` reports (progress is live only: the server keeps no
 * history of it). A machine's transfer ends with a later report that
 * ends it (finished, failed, paused) or when no progress came for a
 * while.
 */
import { liveMachines, onLive, type LiveReport } from "./live.ts";
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
  /** When the agent made it (the agent's clock), to order it against the agent's other reports. */
  madeAt: number | null;
}

/** A transfer without news for this long is over. */
export const TRANSFER_STALE_MS = 15_000;

/** The transfers, by machine id. */
export const liveTransfers = store<Record<string, Transfer>>({});

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

function endsTransfer(report: LiveReport["report"]): boolean {
  return report.type === "sync_completed" || report.type === "sync_error" || (report.type === "state" && report.state !== "syncing");
}

/**
 * The transfers after one report (pure). Progress starts or moves a
 * machine's transfer; a report that ends it (finished, failed, a state
 * other than syncing) ends it unless the agent made it before the
 * transfer's last progress: progress goes out at once while the agent's
 * other reports wait in its outbox, so an older report can arrive later.
 * @param all The transfers by machine.
 * @param message The relayed report.
 * @param now When it arrived.
 * @returns The transfers, the same object when nothing changed.
 */
export function foldTransfer(all: Record<string, Transfer>, message: LiveReport, now = Date.now()): Record<string, Transfer> {
  const r = message.report;
  const id = message.machineId;
  if (r.type === "sync_progress") {
    return {
      ...all,
      [id]: {
        machineId: id,
        nodeId: r.nodeId ?? null,
        direction: r.direction === "download" ? "download" : "upload",
        bytesDone: r.bytesDone ?? 0,
        bytesTotal: r.bytesTotal ?? 0,
        speedBps: r.speedBps ?? null,
        at: now,
        madeAt: r.ts ?? null,
      },
    };
  }
  const current = all[id];
  if (!current || !endsTransfer(r)) return all;
  if (r.ts !== undefined && current.madeAt !== null && r.ts < current.madeAt) return all;
  const next = { ...all };
  delete next[id];
  return next;
}

onLive((message) => {
  if (message.type !== "report") return;
  const current = liveTransfers.get();
  const next = foldTransfer(current, message);
  if (next !== current) liveTransfers.set(next);
});
liveMachines.subscribe((machines) => {
  if (!machines) liveTransfers.set({});
});
