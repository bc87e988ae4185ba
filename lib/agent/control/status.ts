/**
 * What a running agent says about itself over its control socket (the
 * `status` command, the tray), and its readable form.
 */
import type { SyncMetricsSnapshot } from "../progress/sync-metrics.ts";

/** A transfer in flight. */
export interface TransferStatus {
  /** Path relative to the sync folder (local only: never sent to the server). */
  path: string;
  direction: "upload" | "download";
  bytesDone: number;
  bytesTotal: number;
}

/** A change the agent gave up on after its retries. */
export interface DeadLetterStatus {
  path: string;
  error: string;
  attempts: number;
}

/** What the agent measures about itself (E6). */
export interface MetricsStatus extends SyncMetricsSnapshot {
  /** Transfer speed now, bytes per second. */
  bytesPerSecond: number;
}

/** The agent's state as the control socket serves it. */
export interface AgentStatus {
  state: "idle" | "syncing" | "paused" | "error" | "offline";
  paused: boolean;
  /** Whether the server's sockets are open. */
  connected: boolean;
  /** Changes waiting in the queue. */
  queue: number;
  transfers: TransferStatus[];
  lastError: string | null;
  /** Open conflicts. */
  conflicts: number;
  deadLetters: DeadLetterStatus[];
  /** The last change-log seq applied; null before the first sync. */
  cursor: number | null;
  /** When the last sync finished, ms since the epoch. */
  lastSyncAt: number | null;
  /** Server records refused by the integrity checks (C6), by node id. */
  refused?: Array<{ nodeId: string; message: string }>;
  /** The server's tree is older than what this machine saw (restored from an old backup). */
  serverBehind?: boolean;
  /** The server's tree differs from another machine's checkpoint (C6); null or absent when it does not. */
  checkpoint?: string | null;
  /** Local entries not synced (symlinks, special files) and remote names this platform refuses. */
  notSynced?: Array<{ path: string; reason: string }>;
  /** Latency, throughput, failures and lag (E6). */
  metrics?: MetricsStatus;
}

function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function percent(done: number, total: number): string {
  if (total <= 0) return "100%";
  return `${Math.min(100, Math.floor((done / total) * 100))}%`;
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function metricsLines(m: MetricsStatus): string[] {
  const lines: string[] = [];
  if (m.lagging) lines.push(`Lagging:     the oldest change has waited ${duration(m.lagMs)} (more than ${duration(m.lagThresholdMs)})`);
  const latency = m.changeLatencyMs ? `; a change synced in ${duration(m.changeLatencyMs.p50)} (p95 ${duration(m.changeLatencyMs.p95)})` : "";
  const last = m.lastPassMs === null ? "" : `, last ${duration(m.lastPassMs)}`;
  lines.push(`Activity:    ${m.passes} pass${m.passes === 1 ? "" : "es"}${last}${latency}`);
  lines.push(`Synced:      ${m.files.up} up, ${m.files.down} down, ${m.failures} failed attempt${m.failures === 1 ? "" : "s"}${m.bytesPerSecond > 0 ? `, ${bytes(m.bytesPerSecond)}/s now` : ""}`);
  return lines;
}

function ago(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/**
 * The status as a few readable lines.
 * @param status The agent's status.
 * @param now Clock value in ms, for "last sync … ago". @default Date.now()
 * @returns Text ending with a newline.
 */
export function formatStatus(status: AgentStatus, now = Date.now()): string {
  const lines = [
    `State:       ${status.state}${status.paused && status.state !== "paused" ? " (paused)" : ""}`,
    `Server:      ${status.connected ? "connected" : "not connected"}`,
    `Queue:       ${status.queue} change${status.queue === 1 ? "" : "s"} waiting`,
    `Last sync:   ${status.lastSyncAt === null ? "never" : ago(status.lastSyncAt, now)}`,
    `Conflicts:   ${status.conflicts}`,
  ];
  if (status.lastError !== null) lines.push(`Last error:  ${status.lastError}`);
  if (status.metrics) lines.push(...metricsLines(status.metrics));
  if (status.transfers.length > 0) {
    lines.push(`Transfers:   ${status.transfers.length} in flight`);
    for (const t of status.transfers) {
      const arrow = t.direction === "upload" ? "↑" : "↓";
      lines.push(`  ${arrow} ${t.path}  ${percent(t.bytesDone, t.bytesTotal)} of ${bytes(t.bytesTotal)}`);
    }
  }
  if (status.serverBehind) lines.push("Server:      its files are older than what this machine saw (restored from an old backup?): see 'syncagent reseed --help'");
  if (status.checkpoint) lines.push(`Checkpoint:  ${status.checkpoint}`);
  if (status.refused && status.refused.length > 0) {
    lines.push(`Refused:     ${status.refused.length} record${status.refused.length === 1 ? "" : "s"} from the server failed the integrity checks`);
    for (const r of status.refused.slice(0, 10)) lines.push(`  node ${r.nodeId}: ${r.message}`);
  }
  if (status.notSynced && status.notSynced.length > 0) {
    lines.push(`Not synced:  ${status.notSynced.length}`);
    for (const n of status.notSynced.slice(0, 10)) lines.push(`  ${n.path}: ${n.reason}`);
  }
  if (status.deadLetters.length > 0) {
    lines.push(`Failed:      ${status.deadLetters.length} change${status.deadLetters.length === 1 ? "" : "s"} given up after retries`);
    for (const d of status.deadLetters) lines.push(`  ${d.path}: ${d.error} (${d.attempts} attempt${d.attempts === 1 ? "" : "s"})`);
  }
  return `${lines.join("\n")}\n`;
}
