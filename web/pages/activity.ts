/**
 * Activity: what the machines do, live: a progress bar per transfer and a
 * log of recent reports (the history from `GET /api/activity`, then live).
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { formatAgo, formatBytes, formatSpeed } from "../format.ts";
import { html } from "../html.ts";
import { liveMachines, onLive, type LiveReport } from "../live.ts";
import { useStore } from "../store.ts";
import { EmptyState, Skeleton } from "./states.ts";

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
  const [progress, setProgress] = useState<Map<string, LiveReport>>(new Map());
  useEffect(() => {
    api<{ activity: ActivityItem[] }>("/api/activity?limit=50").then((r) => setLog(r.activity), () => setLog([]));
    return onLive((m) => {
      if (m.type !== "report") return;
      if (m.report.type === "sync_progress") {
        setProgress((p) => new Map(p).set(m.machineId, m));
        return;
      }
      if (m.report.type === "sync_completed" || m.report.type === "state") setProgress((p) => { const n = new Map(p); n.delete(m.machineId); return n; });
      setLog((l) => [{ seq: -m.ts, machineId: m.machineId, type: m.report.type, ts: m.ts, report: m.report }, ...(l ?? [])].slice(0, 200));
    });
  }, []);
  const name = (id: string) => machines?.find((m) => m.id === id)?.name ?? "A removed machine";
  return html`<section class="page" aria-label="Activity">
    <h2 class="section-title">Transfers</h2>
    ${progress.size === 0
      ? html`<p class="muted">Nothing is transferring right now.</p>`
      : html`<ul class="transfers">${[...progress.values()].map((p) => {
          const done = p.report.bytesDone ?? 0;
          const total = p.report.bytesTotal ?? 0;
          const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
          return html`<li key=${p.machineId}><div class="transfer-head"><span class="strong">${name(p.machineId)}</span>
              <span class="muted">${p.report.direction === "download" ? "Downloading" : "Uploading"} · ${formatBytes(done)} of ${formatBytes(total)} · ${formatSpeed(p.report.speedBps)}</span></div>
            <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct}><div class="progress-bar" style=${{ width: `${pct}%` }}></div></div></li>`;
        })}</ul>`}
    <h2 class="section-title">Recent activity</h2>
    ${!log ? html`<${Skeleton} rows=${4} />`
      : log.length === 0 ? html`<${EmptyState} title="No activity yet" detail="What your machines do appears here as it happens." />`
      : html`<ol class="activity-log">${log.map((a) => html`<li key=${a.seq}><span class=${`dot ${a.type === "sync_error" ? "error" : a.type === "conflict_detected" ? "paused" : "idle"}`}></span>
          <span class="strong truncate">${name(a.machineId)}</span><span>${DESCRIBE[a.type] ?? a.type}${a.type === "state" && a.report.state ? `: ${a.report.state}` : ""}${a.report.message ? `: ${a.report.message}` : ""}</span>
          <time class="muted" datetime=${new Date(a.ts).toISOString()}>${formatAgo(a.ts)}</time></li>`)}</ol>`}
  </section>`;
}
