/**
 * Statistics read from the projections (S10).
 */
import type { Executor } from "../../events/store.ts";
import { str } from "../../db/row.ts";
import { ROOT_NODE_ID } from "../../events/schemas/common.ts";

/** One machine's figures. */
export interface MachineStats {
  machineId: string;
  versionsCommitted: number;
  deletionsCommitted: number;
  bytesCommitted: number;
  /** Live files whose current version this machine committed. */
  filesHeld: number;
  lastCommitAt: number;
}

/**
 * Per-machine statistics of a vault: its machines (whichever account they
 * belong to) that committed.
 * @param db The database.
 * @param vaultId The vault.
 * @returns One entry per machine that committed.
 */
export async function machineStats(db: Executor, vaultId: string): Promise<MachineStats[]> {
  const rows = await db.execute({
    sql: `SELECT s.machine_id, s.versions_committed, s.deletions_committed, s.bytes_committed, s.last_commit_at,
            (SELECT COUNT(*) FROM tree t JOIN versions v ON v.vault_id = t.vault_id AND v.node_id = t.node_id AND v.version = t.head_version
             WHERE t.vault_id = r.vault_id AND t.kind = 'file' AND v.machine_id = s.machine_id) AS files_held
          FROM machine_stats s JOIN machine_registry r ON r.id = s.machine_id AND r.account_id = s.account_id
          WHERE r.vault_id = ? ORDER BY s.machine_id`,
    args: [vaultId],
  });
  return rows.rows.map((r) => ({
    machineId: str(r.machine_id),
    versionsCommitted: Number(r.versions_committed),
    deletionsCommitted: Number(r.deletions_committed),
    bytesCommitted: Number(r.bytes_committed),
    filesHeld: Number(r.files_held),
    lastCommitAt: Number(r.last_commit_at),
  }));
}

/**
 * A vault's totals: live files and folders (a node below a deleted folder is
 * not live), their stored bytes, trash size.
 * @param db The database.
 * @param vaultId The vault.
 * @returns The totals.
 */
export async function vaultTotals(db: Executor, vaultId: string): Promise<{ files: number; dirs: number; bytes: number; trashEntries: number }> {
  const tree = await db.execute({
    sql: `WITH RECURSIVE live(id, kind, size) AS (
            SELECT node_id, kind, size FROM tree WHERE vault_id = ? AND parent_id = ? AND kind <> 'delete'
            UNION ALL
            SELECT t.node_id, t.kind, t.size FROM tree t JOIN live ON t.vault_id = ? AND t.parent_id = live.id
            WHERE live.kind = 'dir' AND t.kind <> 'delete')
          SELECT SUM(CASE WHEN kind = 'file' THEN 1 ELSE 0 END) AS files, SUM(CASE WHEN kind = 'dir' THEN 1 ELSE 0 END) AS dirs, COALESCE(SUM(CASE WHEN kind = 'file' THEN size END), 0) AS bytes FROM live`,
    args: [vaultId, ROOT_NODE_ID, vaultId],
  });
  const trash = await db.execute({ sql: "SELECT COUNT(*) AS n FROM trash WHERE vault_id = ?", args: [vaultId] });
  const row = tree.rows[0];
  return { files: Number(row?.files ?? 0), dirs: Number(row?.dirs ?? 0), bytes: Number(row?.bytes ?? 0), trashEntries: Number(trash.rows[0]?.n ?? 0) };
}
