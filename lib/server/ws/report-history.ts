/**
 * Reading what agents reported (A14, W8, W10): the conflicts they found
 * (open until resolved) and the activity history, both paged newest first
 * and scoped by vault.
 */
import type { Value } from "@libsql/client";
import { str, strOrNull } from "../../db/row.ts";
import type { Executor } from "../../events/store.ts";
import { withWriteTransaction } from "../db/tx.ts";
import type { Client } from "@libsql/client";

/** A conflict as listed. */
export interface ConflictEntry {
  id: number;
  machineId: string;
  nodeId: string;
  reportId: string | null;
  /** The agent's clock. */
  agentTs: number | null;
  /** The server's clock. */
  ts: number;
  state: "open" | "resolved";
  resolvedAt: number | null;
}

/** One entry of the activity history. */
export interface ActivityEntry {
  seq: number;
  machineId: string;
  type: string;
  reportId: string | null;
  agentTs: number | null;
  ts: number;
  report: unknown;
}

const num = (v: Value | undefined): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Lists a vault's conflicts, newest first.
 * @param db The database.
 * @param vaultId The vault.
 * @param page `state` (`open`, `resolved` or `all`), `limit`, and `before` (an id) for the next page.
 * @returns The conflicts.
 */
export async function listConflicts(db: Executor, vaultId: string, page: { state: "open" | "resolved" | "all"; limit: number; before?: number | undefined }): Promise<ConflictEntry[]> {
  const where = ["vault_id = ?"];
  const args: (string | number)[] = [vaultId];
  if (page.state !== "all") {
    where.push("state = ?");
    args.push(page.state);
  }
  if (page.before !== undefined) {
    where.push("id < ?");
    args.push(page.before);
  }
  const result = await db.execute({ sql: `SELECT * FROM conflicts WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?`, args: [...args, page.limit] });
  return result.rows.map((r) => ({
    id: Number(r.id),
    machineId: str(r.machine_id),
    nodeId: str(r.node_id),
    reportId: strOrNull(r.report_id),
    agentTs: num(r.agent_ts),
    ts: Number(r.ts),
    state: str(r.state) as ConflictEntry["state"],
    resolvedAt: num(r.resolved_at),
  }));
}

/**
 * Marks an open conflict of a vault resolved.
 * @param db The database.
 * @param vaultId The vault.
 * @param id The conflict id.
 * @param now Clock value in ms.
 * @returns False when the vault has no such open conflict.
 */
export async function resolveConflict(db: Client, vaultId: string, id: number, now: number): Promise<boolean> {
  const updated = await withWriteTransaction(db, (tx) =>
    tx.execute({ sql: "UPDATE conflicts SET state = 'resolved', resolved_at = ? WHERE id = ? AND vault_id = ? AND state = 'open' RETURNING 1", args: [now, id, vaultId] }),
  );
  return updated.rows.length > 0;
}

/**
 * Pages a vault's activity history, newest first.
 * @param db The database.
 * @param vaultId The vault.
 * @param page `limit`, `before` (a seq) for the next page, and optionally one machine.
 * @returns The entries.
 */
export async function listActivity(db: Executor, vaultId: string, page: { limit: number; before?: number | undefined; machineId?: string | undefined }): Promise<ActivityEntry[]> {
  const where = ["vault_id = ?"];
  const args: (string | number)[] = [vaultId];
  if (page.before !== undefined) {
    where.push("seq < ?");
    args.push(page.before);
  }
  if (page.machineId !== undefined) {
    where.push("machine_id = ?");
    args.push(page.machineId);
  }
  const result = await db.execute({ sql: `SELECT * FROM activity WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT ?`, args: [...args, page.limit] });
  return result.rows.map((r) => ({
    seq: Number(r.seq),
    machineId: str(r.machine_id),
    type: str(r.type),
    reportId: strOrNull(r.report_id),
    agentTs: num(r.agent_ts),
    ts: Number(r.ts),
    report: JSON.parse(str(r.report)) as unknown,
  }));
}
