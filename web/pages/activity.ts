/**
 * Activity: what the machines do, live: each machine's transfers and
 * position (./transfers.ts) and a log of recent reports (the history
 * from `GET /api/activity`, then live).
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { formatAgo } from "../format.ts";
import { html } from "../html.ts";
import { liveMachines, onLive, type LiveReport } from "../live.ts";
import { useStore } from "../store.ts";
import { EmptyState, Skeleton } from "./states.ts";
import { Transfers } from "./transfers.ts";

interface ActivityItem {
  seq: number;
  machineId: string;
  type: string;
  ts: number;
  report: LiveReport["report"];
}

const DESCRIBE: Record<string, string> = {
  sync_started: "Started syncing",
  sync_completed: "Finished syncing",
  sync_error: "Sync failed",
  conflict_detected: "Found a conflict",
  state: "Changed state",
};

/**
 * The activity page.
 * @returns The page.
 */
export function ActivityPage() {
  const machines = useStore(liveMachines);
  const [log, setLog] = useState<ActivityItem[] | null>(null);
  useEffect(() => {
    api<{ activity: ActivityItem[] }>("/api/activity?limit=50").then((r) => setLog(r.activity), () => setLog([]));
    return onLive((m) => {
      if (m.type !== "report") return;
      if (m.report.type === "sync_progress" || m.report.type === "cursor") return;
      setLog((l) => [{ seq: -m.ts, machineId: m.machineId, type: m.report.type, ts: m.ts, report: m.report }, ...(l ?? [])].slice(0, 200));
    });
  }, []);
  const name = (id: string) => machines?.find((m) => m.id === id)?.name ?? "A removed machine";
  return html`<section class="page" aria-label="Activity">
    <${Transfers} />
    <h2 class="section-title">Recent activity</h2>
    ${!log ? html`<${Skeleton} rows=${4} />`
      : log.length === 0 ? html`<${EmptyState} title="No activity yet" detail="What your machines do appears here as it happens." />`
      : html`<ol class="activity-log">${log.map((a) => html`<li key=${a.seq}><span class=${`dot ${a.type === "sync_error" ? "error" : a.type === "conflict_detected" ? "paused" : "idle"}`}></span>
          <span class="strong truncate">${name(a.machineId)}</span><span>${DESCRIBE[a.type] ?? a.type}${a.type === "state" && a.report.state ? `: ${a.report.state}` : ""}${a.report.message ? `: ${a.report.message}` : ""}</span>
          <time class="muted" datetime=${new Date(a.ts).toISOString()}>${formatAgo(a.ts)}</time></li>`)}</ol>`}
  </section>`;
}
