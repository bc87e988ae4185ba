/**
 * What agents report over `/ws/events` (A14, S11, W4): one zod schema per
 * message type, and the pure fold of a report into a machine's status.
 * Files are named by their opaque path id, never by a plaintext path (C5);
 * error texts must not carry names either (the agent's job).
 */
import { z } from "zod";

const counts = z
  .object({
    filesSynced: z.number().int().min(0).optional(),
    filesPending: z.number().int().min(0).optional(),
    bytesStored: z.number().int().min(0).optional(),
  })
  .optional();
const pathId = z.string().min(1).max(256);
const base = { ts: z.number().int().optional(), id: z.string().max(64).optional(), counts };

/** One agent report, discriminated by `type`. */
export const agentReportSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("sync_started"), ...base, files: z.number().int().min(0).optional() }),
  z.object({
    type: z.literal("sync_progress"),
    ...base,
    pathId: pathId.optional(),
    bytesDone: z.number().int().min(0).optional(),
    bytesTotal: z.number().int().min(0).optional(),
    speedBps: z.number().min(0).optional(),
    direction: z.enum(["upload", "download"]).optional(),
  }),
  z.object({ type: z.literal("sync_completed"), ...base, pathId: pathId.optional(), filesSynced: z.number().int().min(0).optional() }),
  z.object({ type: z.literal("sync_error"), ...base, pathId: pathId.optional(), message: z.string().max(1000) }),
  z.object({ type: z.literal("conflict_detected"), ...base, pathId }),
  z.object({ type: z.literal("state"), ...base, state: z.enum(["idle", "syncing", "error", "paused"]) }),
]);

/** A validated agent report. */
export type AgentReport = z.infer<typeof agentReportSchema>;

/** A machine's live status as stored and served (S11). */
export interface MachineStatus {
  state: "syncing" | "idle" | "error" | "paused" | "offline";
  lastFile: string | null;
  lastSyncedAt: number | null;
  speedBps: number;
  filesSynced: number;
  filesPending: number;
  bytesStored: number;
  errors: number;
  conflicts: number;
  lastError: string | null;
  updatedAt: number;
}

/** The status of a machine that has never reported. */
export function emptyStatus(now: number): MachineStatus {
  return {
    state: "idle",
    lastFile: null,
    lastSyncedAt: null,
    speedBps: 0,
    filesSynced: 0,
    filesPending: 0,
    bytesStored: 0,
    errors: 0,
    conflicts: 0,
    lastError: null,
    updatedAt: now,
  };
}

/**
 * Folds one report into a status (pure).
 * @param status The status before.
 * @param report The report.
 * @param now Clock value in ms.
 * @returns The status after.
 */
export function applyReport(status: MachineStatus, report: AgentReport, now: number): MachineStatus {
  const next: MachineStatus = { ...status, updatedAt: now };
  if (report.counts?.filesSynced !== undefined) next.filesSynced = report.counts.filesSynced;
  if (report.counts?.filesPending !== undefined) next.filesPending = report.counts.filesPending;
  if (report.counts?.bytesStored !== undefined) next.bytesStored = report.counts.bytesStored;
  switch (report.type) {
    case "sync_started":
      next.state = "syncing";
      if (report.files !== undefined) next.filesPending = report.files;
      break;
    case "sync_progress":
      next.state = "syncing";
      if (report.speedBps !== undefined) next.speedBps = Math.round(report.speedBps);
      break;
    case "sync_completed":
      next.state = "idle";
      next.speedBps = 0;
      next.lastSyncedAt = now;
      if (report.pathId !== undefined) next.lastFile = report.pathId;
      if (report.filesSynced !== undefined) next.filesSynced = report.filesSynced;
      break;
    case "sync_error":
      next.state = "error";
      next.errors = status.errors + 1;
      next.lastError = report.message;
      break;
    case "conflict_detected":
      next.conflicts = status.conflicts + 1;
      break;
    case "state":
      next.state = report.state;
      if (report.state !== "syncing") next.speedBps = 0;
      break;
  }
  return next;
}

/** A machine not heard from for this long shows as offline. */
export const OFFLINE_AFTER_MS = 120_000;

/**
 * The state to show: `offline` when the machine has not been seen lately.
 * @param status The stored status.
 * @param lastSeenAt When the machine was last seen (request or socket).
 * @param now Clock value in ms.
 * @returns The status with `state` adjusted.
 */
export function presentStatus(status: MachineStatus, lastSeenAt: number | null, now: number): MachineStatus {
  const seen = Math.max(lastSeenAt ?? 0, status.updatedAt);
  return now - seen > OFFLINE_AFTER_MS ? { ...status, state: "offline", speedBps: 0 } : status;
}
