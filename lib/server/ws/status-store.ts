/**
 * Machine status in SQLite: the latest status per machine (S11) and a
 * short-lived feed of reports (`machine_reports`) that every server process
 * tails to relay live activity to its dashboards.
 */
import type { Client, Value } from "@libsql/client";
import { withWriteTransaction } from "../db/tx.ts";
import { applyReport, emptyStatus, type AgentReport, type MachineStatus } from "./reports.ts";
import { str, strOrNull } from "../../db/row.ts";

/** Reports older than this are pruned from the feed. */
export const REPORT_RETENTION_MS = 10 * 60_000;

type Row = Record<string, Value>;

/**
 * Reads a machine's status from a row of `machine_status`.
 * @param row The row.
 * @returns The status.
 */
export function statusFromRow(row: Row): MachineStatus {
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
  };
}

/**
 * Reads the stored status of a machine.
 * @param db The database.
 * @param machineId The machine.
 * @returns The status, or null when it never reported.
 */
export async function readStatus(db: Client, machineId: string): Promise<MachineStatus | null> {
  const result = await db.execute({ sql: "SELECT * FROM machine_status WHERE machine_id = ?", args: [machineId] });
  const row = result.rows[0];
  return row ? statusFromRow(row) : null;
}

/**
 * Applies a report: updates the status and appends it to the feed, in one
 * transaction.
 * @param db The database.
 * @param machine Which machine reported.
 * @param report The validated report.
 * @param now Clock value in ms.
 * @returns The new status and the feed sequence number.
 */
export async function storeReport(
  db: Client,
  machine: { machineId: string; accountId: string; vaultId: string },
  report: AgentReport,
  now: number,
): Promise<{ status: MachineStatus; seq: number }> {
  return withWriteTransaction(db, async (tx) => {
    const existing = await tx.execute({ sql: "SELECT * FROM machine_status WHERE machine_id = ?", args: [machine.machineId] });
    const before = existing.rows[0] ? statusFromRow(existing.rows[0]) : emptyStatus(now);
    const s = applyReport(before, report, now);
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
    const inserted = await tx.execute({
      sql: "INSERT INTO machine_reports (account_id, vault_id, machine_id, ts, report) VALUES (?, ?, ?, ?, ?) RETURNING seq",
      args: [machine.accountId, machine.vaultId, machine.machineId, now, JSON.stringify(report)],
    });
    await tx.execute({ sql: "DELETE FROM machine_reports WHERE ts < ?", args: [now - REPORT_RETENTION_MS] });
    await tx.execute({ sql: "UPDATE machine_tokens SET last_seen_at = ? WHERE id = ?", args: [now, machine.machineId] });
    return { status: s, seq: Number(inserted.rows[0]?.seq) };
  });
}
