/**
 * Machine status in SQLite: the latest status per machine (S11), a
 * short-lived feed of reports (`machine_reports`) that every server process
 * tails to relay live activity to its dashboards, and what outlives the
 * feed (A14, W8): the activity history, the conflicts agents found, each
 * agent's change-log cursor, and the report ids already applied (a report
 * replayed after a reconnect is applied once).
 */
import type { Client, Value } from "@libsql/client";
import { withWriteTransaction } from "../db/tx.ts";
import { applyReport, emptyStatus, type AgentReport, type MachineStatus } from "./reports.ts";
import { str, strOrNull } from "../../db/row.ts";
import type { Executor } from "../../events/store.ts";

/** Reports older than this are pruned from the feed. */
export const REPORT_RETENTION_MS = 10 * 60_000;
/** Report ids are remembered this long for deduplication (an agent's offline buffer is replayed within it). */
export const REPORT_ID_RETENTION_MS = 7 * 86_400_000;
/** Activity history is kept this long. */
export const ACTIVITY_RETENTION_MS = 30 * 86_400_000;
/** Report types kept in the activity history (progress is live only). */
export const HISTORY_TYPES: ReadonlySet<AgentReport["type"]> = new Set(["sync_started", "sync_completed", "sync_error", "conflict_detected", "state"]);

type Row = Record<string, Value>;

/**
 * Reads a machine's status from a row of `machine_status` (optionally
 * joined with `cursor` and the vault's `head`).
 * @param row The row.
 * @returns The status.
 */
export function statusFromRow(row: Row): MachineStatus {
  const cursor = row.cursor === undefined || row.cursor === null ? null : Number(row.cursor);
  const head = row.head === undefined || row.head === null ? null : Number(row.head);
  return {
    state: str(row.state) as MachineStatus["state"],
    lastFile: strOrNull(row.last_file),
    lastSyncedAt: row.last_synced_at === null ? null : Number(row.last_synced_at),
    speedBps: Number(row.speed_bps),
    filesSynced: Number(row.files_synced),
    filesPending: Number(row.files_pending),
    bytesStored: Number(row.bytes_stored),
    errors: Number(row.errors),
    conflicts: Number(row.conflicts),
    lastError: strOrNull(row.last_error),
    updatedAt: Number(row.updated_at),
    cursor,
    behind: cursor === null || head === null ? null : Math.max(0, head - cursor),
  };
}

/** SQL of the machine's vault head seq (the vault's last event, whichever account wrote it), for `s` = machine_status. */
export const HEAD_SQL = `COALESCE((SELECT e.seq FROM events e WHERE e.vault_id = s.vault_id
  ORDER BY e.seq DESC LIMIT 1), 0)`; // walks the (vault_id, seq) index from the top: no scan of the log

/**
 * Reads the stored status of a machine, with its cursor and how far behind it is.
 * @param db The database.
 * @param machineId The machine.
 * @returns The status, or null when it never reported.
 */
export async function readStatus(db: Client, machineId: string): Promise<MachineStatus | null> {
  const result = await db.execute({
    sql: `SELECT s.*, c.cursor, CASE WHEN c.cursor IS NULL THEN NULL ELSE ${HEAD_SQL} END AS head
          FROM machine_status s LEFT JOIN machine_cursors c ON c.machine_id = s.machine_id WHERE s.machine_id = ?`,
    args: [machineId],
  });
  const row = result.rows[0];
  return row ? statusFromRow(row) : null;
}

/** Who reported. */
export interface ReportingMachine {
  machineId: string;
  accountId: string;
  vaultId: string;
}

/**
 * Whether the machine's report id was applied before; remembers it if not.
 * @param tx An open write transaction.
 * @param machineId The machine.
 * @param reportId The report id.
 * @param now Clock value in ms.
 * @returns True for a duplicate.
 */
async function seenBefore(tx: Executor, machineId: string, reportId: string, now: number): Promise<boolean> {
  const inserted = await tx.execute({
    sql: "INSERT INTO report_ids (machine_id, report_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
    args: [machineId, reportId, now],
  });
  return inserted.rows.length === 0;
}

async function writeStatus(tx: Executor, machine: ReportingMachine, s: MachineStatus): Promise<void> {
  await tx.execute({
    sql: `INSERT INTO machine_status (machine_id, account_id, vault_id, state, last_file, last_synced_at, speed_bps,
            files_synced, files_pending, bytes_stored, errors, conflicts, last_error, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (machine_id) DO UPDATE SET state = excluded.state, last_file = excluded.last_file,
            last_synced_at = excluded.last_synced_at, speed_bps = excluded.speed_bps, files_synced = excluded.files_synced,
            files_pending = excluded.files_pending, bytes_stored = excluded.bytes_stored, errors = excluded.errors,
            conflicts = excluded.conflicts, last_error = excluded.last_error, updated_at = excluded.updated_at`,
    args: [
      machine.machineId,
      machine.accountId,
      machine.vaultId,
      s.state,
      s.lastFile,
      s.lastSyncedAt,
      s.speedBps,
      s.filesSynced,
      s.filesPending,
      s.bytesStored,
      s.errors,
      s.conflicts,
      s.lastError,
      s.updatedAt,
    ],
  });
  if (s.cursor !== null) {
    await tx.execute({
      sql: `INSERT INTO machine_cursors (machine_id, vault_id, cursor, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (machine_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
      args: [machine.machineId, machine.vaultId, s.cursor, s.updatedAt],
    });
  }
}

async function keepHistory(tx: Executor, machine: ReportingMachine, report: AgentReport, now: number): Promise<void> {
  if (!HISTORY_TYPES.has(report.type)) return;
  await tx.execute({
    sql: "INSERT INTO activity (account_id, vault_id, machine_id, type, report_id, agent_ts, ts, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    args: [machine.accountId, machine.vaultId, machine.machineId, report.type, report.reportId ?? null, report.ts ?? null, now, JSON.stringify(report)],
  });
  if (report.type === "conflict_detected") {
    await tx.execute({
      sql: `INSERT INTO conflicts (account_id, vault_id, machine_id, node_id, report_id, agent_ts, ts, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'open')`,
      args: [machine.accountId, machine.vaultId, machine.machineId, report.nodeId, report.reportId ?? null, report.ts ?? null, now],
    });
  }
}

let lastPrune = 0;

/**
 * Applies a report: updates the status, appends it to the feed and keeps
 * its history, in one transaction; a report whose `reportId` the machine
 * sent before changes nothing.
 * @param db The database.
 * @param machine Which machine reported.
 * @param report The validated report.
 * @param now Clock value in ms.
 * @returns The new status and the feed sequence number, or `duplicate`.
 */
export async function storeReport(
  db: Client,
  machine: ReportingMachine,
  report: AgentReport,
  now: number,
): Promise<{ duplicate: true } | { duplicate: false; status: MachineStatus; seq: number }> {
  return withWriteTransaction(db, async (tx) => {
    if (report.reportId !== undefined && (await seenBefore(tx, machine.machineId, report.reportId, now))) return { duplicate: true as const };
    const existing = await tx.execute({
      sql: "SELECT s.*, c.cursor FROM machine_status s LEFT JOIN machine_cursors c ON c.machine_id = s.machine_id WHERE s.machine_id = ?",
      args: [machine.machineId],
    });
    const before = existing.rows[0] ? statusFromRow(existing.rows[0]) : emptyStatus(now);
    const s = applyReport(before, report, now);
    await writeStatus(tx, machine, s);
    await keepHistory(tx, machine, report, now);
    const inserted = await tx.execute({
      sql: "INSERT INTO machine_reports (account_id, vault_id, machine_id, ts, report) VALUES (?, ?, ?, ?, ?) RETURNING seq",
      args: [machine.accountId, machine.vaultId, machine.machineId, now, JSON.stringify(report)],
    });
    await tx.execute({ sql: "DELETE FROM machine_reports WHERE ts < ?", args: [now - REPORT_RETENTION_MS] });
    if (now - lastPrune > 60_000) {
      lastPrune = now;
      await tx.execute({ sql: "DELETE FROM report_ids WHERE received_at < ?", args: [now - REPORT_ID_RETENTION_MS] });
      await tx.execute({ sql: "DELETE FROM activity WHERE ts < ?", args: [now - ACTIVITY_RETENTION_MS] });
    }
    await tx.execute({ sql: "UPDATE machine_tokens SET last_seen_at = ? WHERE id = ?", args: [now, machine.machineId] });
    return { duplicate: false as const, status: s, seq: Number(inserted.rows[0]?.seq) };
  });
}
