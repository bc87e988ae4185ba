/**
 * What the agent reports over `/ws/events` (A14): the report types and
 * their check before anything is stored, so the outbox never holds a report
 * the server would refuse. Files are named by node id only (C5).
 */
import { z } from "zod";

/** Counters any report may carry. */
export interface ReportCounts {
  filesSynced?: number;
  filesPending?: number;
  bytesStored?: number;
}

/** Fields every report may carry. */
export interface ReportFields {
  /** The last change-log seq the agent applied. */
  cursor?: number;
  counts?: ReportCounts;
}

/** One report, as the engine makes it (the reporter adds `reportId` and `ts`). */
export type AgentReport = ReportFields &
  (
    | { type: "sync_started"; files?: number }
    | { type: "sync_progress"; nodeId?: string; bytesDone?: number; bytesTotal?: number; speedBps?: number; direction?: "upload" | "download" }
    | { type: "sync_completed"; nodeId?: string; filesSynced?: number }
    | { type: "sync_error"; message: string; nodeId?: string }
    | { type: "conflict_detected"; nodeId: string }
    | { type: "state"; state: "idle" | "syncing" | "error" | "paused" }
    | { type: "cursor"; cursor: number }
  );

/** A report as sent: with its id and the agent's clock. */
export type SentReport = AgentReport & { reportId?: string; ts: number };

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const nodeId = z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lowercase hex characters");
const fields = {
  cursor: count.optional(),
  counts: z.object({ filesSynced: count.optional(), filesPending: count.optional(), bytesStored: count.optional() }).strict().optional(),
};

const reportSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("sync_started"), ...fields, files: count.optional() }).strict(),
  z
    .object({
      type: z.literal("sync_progress"),
      ...fields,
      nodeId: nodeId.optional(),
      bytesDone: count.optional(),
      bytesTotal: count.optional(),
      speedBps: z.number().min(0).max(1e12).optional(),
      direction: z.enum(["upload", "download"]).optional(),
    })
    .strict(),
  z.object({ type: z.literal("sync_completed"), ...fields, nodeId: nodeId.optional(), filesSynced: count.optional() }).strict(),
  z.object({ type: z.literal("sync_error"), ...fields, nodeId: nodeId.optional(), message: z.string().min(1).max(1000) }).strict(),
  z.object({ type: z.literal("conflict_detected"), ...fields, nodeId }).strict(),
  z.object({ type: z.literal("state"), ...fields, state: z.enum(["idle", "syncing", "error", "paused"]) }).strict(),
  z.object({ type: z.literal("cursor"), ...fields, cursor: count }).strict(),
]);

/**
 * Checks a report's shape.
 * @param report What the engine wants to report.
 * @returns The report, unchanged.
 * @throws TypeError naming the first bad field.
 */
export function checkReport(report: AgentReport): AgentReport {
  const parsed = reportSchema.safeParse(report);
  if (parsed.success) return report;
  const issue = parsed.error.issues[0];
  const where = issue?.path.map(String).join(".") || "report";
  throw new TypeError(`Invalid report: ${where}: ${issue?.message ?? "invalid"}`);
}

/**
 * Checks a command acknowledgement.
 * @param commandId The command's id (32 lowercase hex).
 * @param message Optional text (at most 1,000 characters).
 * @throws TypeError for a malformed id or a message too long.
 */
export function checkCommandAck(commandId: string, message?: string): void {
  if (!/^[0-9a-f]{32}$/.test(commandId)) throw new TypeError("Invalid command acknowledgement: commandId must be 32 lowercase hex characters");
  if (message !== undefined && message.length > 1000) throw new TypeError("Invalid command acknowledgement: message is longer than 1,000 characters");
}
