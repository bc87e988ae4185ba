/**
 * What agents report over `/ws/events` (A14, S11, W4): one zod schema per
 * message type, and the pure fold of a report into a machine's status.
 * Files are named by their opaque node id, never by a plaintext path (C5);
 * error texts must not carry names either (the agent's job).
 */
import { z } from "zod";

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const counts = z
  .object({ filesSynced: count.optional(), filesPending: count.optional(), bytesStored: count.optional() })
  .strict()
  .optional();

/** A node id (v2): 32 lowercase hex characters. */
export const nodeIdSchema = z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lowercase hex characters");
/** A client-chosen report or operation id: 16–64 characters of `A-Z a-z 0-9 _ -`. */
export const reportIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "must be 16–64 characters of A-Z a-z 0-9 _ -");
/** A command id: 32 lowercase hex characters. */
export const commandIdSchema = z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lowercase hex characters");

const base = {
  /** The agent's clock when it made the report, ms since the epoch. */
  ts: z.number().int().min(0).max(8.64e15).optional(),
  reportId: reportIdSchema.optional(),
  counts,
  /** The agent's change-log cursor (the last seq it applied). */
  cursor: count.optional(),
};

/** One agent report, discriminated by `type`. */
export const agentReportSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("sync_started"), ...base, files: count.optional() }).strict(),
  z
    .object({
      type: z.literal("sync_progress"),
      ...base,
      nodeId: nodeIdSchema.optional(),
      bytesDone: count.optional(),
      bytesTotal: count.optional(),
      speedBps: z.number().min(0).max(1e12).optional(),
      direction: z.enum(["upload", "download"]).optional(),
    })
    .strict(),
  z.object({ type: z.literal("sync_completed"), ...base, nodeId: nodeIdSchema.optional(), filesSynced: count.optional() }).strict(),
  z.object({ type: z.literal("sync_error"), ...base, nodeId: nodeIdSchema.optional(), message: z.string().min(1).max(1000) }).strict(),
  z.object({ type: z.literal("conflict_detected"), ...base, nodeId: nodeIdSchema }).strict(),
  z.object({ type: z.literal("state"), ...base, state: z.enum(["idle", "syncing", "error", "paused"]) }).strict(),
  z.object({ type: z.literal("cursor"), ...base, cursor: count }).strict(),
]);

/** An agent's answer to a command (W9, A19), over `/ws/events`. */
export const commandAckSchema = z
  .object({ type: z.literal("command_ack"), commandId: commandIdSchema, ok: z.boolean(), message: z.string().max(1000).optional() })
  .strict();

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
  /** The change-log cursor the agent last reported; null before its first report of one. */
  cursor: number | null;
  /** How far behind the vault's head the agent is: head seq − cursor (null without a cursor). */
  behind: number | null;
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
    cursor: null,
    behind: null,
  };
}

/**
 * The status shown for a machine that has never reported: offline, never
 * synced. "Up to date" would claim what nobody knows (A24, W4).
 * @param createdAt When the machine was registered.
 * @returns The status.
 */
export function unreportedStatus(createdAt: number): MachineStatus {
  return { ...emptyStatus(createdAt), state: "offline" };
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
      if (report.nodeId !== undefined) next.lastFile = report.nodeId;
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
    case "cursor":
      break;
  }
  if (report.cursor !== undefined) next.cursor = report.cursor;
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
