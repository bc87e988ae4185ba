/**
 * The SQL behind the hub's tails: the event log (every account) and the
 * machine report feed, read by sequence number.
 */
import type { Client } from "@libsql/client";
import { str } from "../../db/row.ts";
import { vaultHead } from "../files/changes.ts";
import type { MachineStatus } from "./reports.ts";
import { HEAD_SQL, statusFromRow } from "./status-store.ts";

/** One row of the report feed, with the machine's status after it. */
export interface ReportRow {
  seq: number;
  accountId: string;
  vaultId: string;
  machineId: string;
  ts: number;
  report: unknown;
  status: MachineStatus | null;
}

/**
 * The highest event sequence number.
 * @param db The database.
 * @returns It, or 0 for an empty log.
 */
export async function eventHead(db: Client): Promise<number> {
  const result = await db.execute("SELECT COALESCE(MAX(seq), 0) AS seq FROM events");
  return Number(result.rows[0]?.seq ?? 0);
}

/**
 * The cursor `/ws/changes` greets an agent with: its vault's head (S7), not
 * the whole log's, so an agent starting from it reads exactly its vault's
 * later changes.
 * @param db The database.
 * @param scope The agent's vault.
 * @returns The cursor.
 */
export function helloCursor(db: Client, scope: { vaultId: string }): Promise<number> {
  return vaultHead(db, scope.vaultId);
}

/**
 * Reports after a sequence number, joined with each machine's status.
 * @param db The database.
 * @param after Exclusive lower bound.
 * @param limit At most this many.
 * @returns Reports in feed order.
 */
export async function readReportsAfter(db: Client, after: number, limit: number): Promise<ReportRow[]> {
  const result = await db.execute({
    sql: `SELECT r.seq, r.account_id, r.vault_id, r.machine_id, r.ts, r.report,
                 s.state, s.last_file, s.last_synced_at, s.speed_bps, s.files_synced, s.files_pending,
                 s.bytes_stored, s.errors, s.conflicts, s.last_error, s.updated_at,
                 c.cursor, CASE WHEN c.cursor IS NULL THEN NULL ELSE ${HEAD_SQL} END AS head
          FROM machine_reports r LEFT JOIN machine_status s ON s.machine_id = r.machine_id
          LEFT JOIN machine_cursors c ON c.machine_id = r.machine_id
          WHERE r.seq > ? ORDER BY r.seq LIMIT ?`,
    args: [after, limit],
  });
  return result.rows.map((row) => ({
    seq: Number(row.seq),
    accountId: str(row.account_id),
    vaultId: str(row.vault_id),
    machineId: str(row.machine_id),
    ts: Number(row.ts),
    report: JSON.parse(str(row.report)) as unknown,
    status: row.state === null ? null : statusFromRow(row),
  }));
}

/**
 * The highest report sequence number.
 * @param db The database.
 * @returns It, or 0.
 */
export async function reportHead(db: Client): Promise<number> {
  const result = await db.execute("SELECT COALESCE(MAX(seq), 0) AS seq FROM machine_reports");
  return Number(result.rows[0]?.seq ?? 0);
}
