/**
 * Rebuilding the projections from the log (E3): empty the live tables, load
 * the retention checkpoint, replay every retained file event, then replay
 * every machine event into the machine list and every command event into
 * the command list (auth and command events are never
 * trimmed, so that projection needs no checkpoint; token hashes stay in
 * `machine_tokens`, which is not a projection). One transaction, so readers
 * see the old tables or the new ones, never half.
 */
import type { Transaction } from "@libsql/client";
import type { ServerContext } from "../context.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { COMMAND_PROJECTION_TABLES, replayCommandEvents } from "../commands/command-projection.ts";
import { MACHINE_PROJECTION_TABLES, replayMachineEvents } from "../machines/machine-projection.ts";
import { applyStoredEvent, readFileEvents } from "./replay.ts";

/** The file projection tables (each with its `cp_` checkpoint twin), in a stable order. */
export const PROJECTION_TABLES = ["tree", "versions", "version_chunks", "trash", "purged_nodes", "machine_stats"] as const;

/** Every projection table a rebuild rewrites and a dump compares. */
export const ALL_PROJECTION_TABLES = [...PROJECTION_TABLES, ...MACHINE_PROJECTION_TABLES, ...COMMAND_PROJECTION_TABLES] as const;

/** What a rebuild did. */
export interface RebuildResult {
  eventsApplied: number;
  deadLettered: number;
  ms: number;
}

/**
 * Rebuilds inside an open transaction (so a caller can compare and roll back).
 * @param tx An open write transaction.
 * @returns Counts.
 */
export async function rebuildInTransaction(tx: Transaction): Promise<Omit<RebuildResult, "ms">> {
  for (const table of PROJECTION_TABLES) {
    await tx.execute(`DELETE FROM ${table}`);
    await tx.execute(`INSERT INTO ${table} SELECT * FROM cp_${table}`);
  }
  let after = 0;
  let eventsApplied = 0;
  let deadLettered = 0;
  for (;;) {
    const page = await readFileEvents(tx, { sql: "seq > ?", args: [after] }, 1000);
    for (const row of page) {
      if (await applyStoredEvent(tx, row, "", "rebuild")) eventsApplied++;
      else deadLettered++;
      after = row.seq;
    }
    if (page.length < 1000) break;
  }
  const machines = await replayMachineEvents(tx);
  const commands = await replayCommandEvents(tx);
  return { eventsApplied: eventsApplied + machines.eventsApplied + commands, deadLettered: deadLettered + machines.deadLettered };
}

/**
 * Rebuilds every projection from the events.
 * @param ctx The server context.
 * @returns Counts and duration.
 */
export async function rebuildProjections(ctx: ServerContext): Promise<RebuildResult> {
  const start = performance.now();
  const counts = await ctx.metrics.time("rebuild", () => withWriteTransaction(ctx.db, rebuildInTransaction));
  const result = { ...counts, ms: Math.round(performance.now() - start) };
  ctx.logger.info(result, "projections rebuilt");
  return result;
}

/**
 * Every row of every projection table, in a canonical order: two databases
 * with equal dumps have identical projections.
 * @param db The database or transaction.
 * @returns Table name → rows as JSON strings, sorted.
 */
export async function dumpProjections(db: Pick<Transaction, "execute">): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of ALL_PROJECTION_TABLES) {
    const rows = await db.execute(`SELECT * FROM ${table}`);
    out[table] = rows.rows.map((r) => JSON.stringify(rows.columns.map((c) => r[c]))).sort();
  }
  return out;
}
