/**
 * The machines' health in a few words (A24), for the pill in the header of
 * every page: a machine failing, stalled (syncing with no news for a
 * while), offline for longer than a threshold, or paused is named.
 */
import type { Machine } from "./live.ts";

/** A machine syncing without any report for this long is stalled. */
export const STALLED_MS = 10 * 60_000;
/** A machine unseen for this long is flagged (shorter absences are normal: a laptop asleep). */
export const OFFLINE_FLAG_MS = 60 * 60_000;

/** The pill's tone and words, and the longer explanation for its tooltip. */
export interface HealthSummary {
  tone: "" | "ok" | "busy" | "warn" | "bad";
  text: string;
  detail: string;
}

function names(list: Machine[]): string {
  const first = list[0]?.name ?? "";
  return list.length === 1 ? first : `${first} and ${list.length - 1} more`;
}

/**
 * Sums the machines' health up.
 * @param machines The vault's machines with their live status.
 * @param now The current time.
 * @returns The summary.
 */
export function summarizeHealth(machines: Machine[], now = Date.now()): HealthSummary {
  if (machines.length === 0) return { tone: "", text: "No machines yet", detail: "No machine is connected to this vault yet" };
  const failing = machines.filter((m) => m.status.state === "error");
  const stalled = machines.filter((m) => m.status.state === "syncing" && now - (m.status.updatedAt ?? m.lastSeenAt ?? now) > STALLED_MS);
  const offline = machines.filter((m) => m.status.state === "offline");
  const longOffline = offline.filter((m) => now - (m.lastSeenAt ?? m.createdAt) > OFFLINE_FLAG_MS);
  const paused = machines.filter((m) => m.status.state === "paused");
  const syncing = machines.filter((m) => m.status.state === "syncing");
  const problems = [
    ...failing.map((m) => `${m.name} is failing${m.status.lastError ? `: ${m.status.lastError}` : ""}`),
    ...stalled.map((m) => `${m.name} has been syncing without news for over ${STALLED_MS / 60_000} minutes`),
    ...longOffline.map((m) => `${m.name} has been offline for over ${OFFLINE_FLAG_MS / 60_000} minutes`),
    ...paused.map((m) => `${m.name} is paused`),
  ];
  const detail = problems.join("; ");
  if (failing.length > 0) return { tone: "bad", text: `${names(failing)} failing`, detail };
  if (stalled.length > 0) return { tone: "warn", text: `${names(stalled)} stalled`, detail };
  if (longOffline.length > 0 && longOffline.length < machines.length) return { tone: "warn", text: `${names(longOffline)} offline`, detail };
  if (paused.length > 0) return { tone: "warn", text: `${names(paused)} paused`, detail };
  if (syncing.length > 0) return { tone: "busy", text: `Syncing on ${syncing.length}`, detail: `Syncing: ${syncing.map((m) => m.name).join(", ")}` };
  if (offline.length === machines.length) return { tone: "warn", text: "All machines offline", detail: detail || "No machine is connected right now" };
  return { tone: "ok", text: offline.length > 0 ? `In sync · ${offline.length} offline` : "All in sync", detail: offline.length > 0 ? `Offline: ${offline.map((m) => m.name).join(", ")}` : "Every machine is up to date" };
}

/** A machine's problem worth telling about as it starts (paused is chosen, so it is not one). */
export interface HealthProblem {
  /** `<machine id>:<kind>`: the same problem is told once. */
  key: string;
  text: string;
}

/**
 * The machines' problems now: failing, stalled, offline past the threshold.
 * @param machines The vault's machines with their live status.
 * @param now The current time.
 * @returns One entry per machine and problem.
 */
export function healthProblems(machines: Machine[], now = Date.now()): HealthProblem[] {
  const out: HealthProblem[] = [];
  for (const m of machines) {
    if (m.status.state === "error") out.push({ key: `${m.id}:error`, text: `${m.name} is failing${m.status.lastError ? `: ${m.status.lastError}` : ""}` });
    else if (m.status.state === "syncing" && now - (m.status.updatedAt ?? m.lastSeenAt ?? now) > STALLED_MS) out.push({ key: `${m.id}:stalled`, text: `${m.name} has stalled: no news for over ${STALLED_MS / 60_000} minutes while syncing` });
    else if (m.status.state === "offline" && now - (m.lastSeenAt ?? m.createdAt) > OFFLINE_FLAG_MS) out.push({ key: `${m.id}:offline`, text: `${m.name} has been offline for over ${OFFLINE_FLAG_MS / 60_000} minutes` });
  }
  return out;
}
