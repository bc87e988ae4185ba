/**
 * Cleaning the change log (S7). File events older than the retention are
 * folded into the `cp_` checkpoint tables, deleted, and the vault's
 * watermark moves up: the live projections are untouched, a rebuild starts
 * from the checkpoint, and a cursor below the watermark gets 410.
 */
import type { ServerContext } from "../context.ts";
import { str } from "../../db/row.ts";
import { withLease } from "../db/lease.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { trimmedThrough } from "./changes.ts";
import { applyStoredEvent, FILE_EVENT_TYPES, readFileEvents } from "./replay.ts";

/** What a cleaning did. */
export interface TrimResult {
  eventsTrimmed: number;
  /** New watermark per vault. */
  watermarks: Record<string, number>;
}

const PAGE = 2000;

/** The lease a cleaning runs under. */
export const CHANGE_LOG_LEASE = "change-log cleaning";

/**
 * Removes file events older than the retention from the log, under the
 * {@link CHANGE_LOG_LEASE}: one cleaning at a time across processes.
 * @param ctx The server context.
 * @param options Retention in days and the clock.
 * @returns How many events were removed and the new watermarks.
 * @throws LeaseHeldError when a cleaning is running already (here or in another process).
 */
export function trimChangeLog(ctx: ServerContext, options: { olderThanDays: number; now?: number }): Promise<TrimResult> {
  return withLease(ctx.db, CHANGE_LOG_LEASE, () => trimUnderLease(ctx, options));
}

async function trimUnderLease(ctx: ServerContext, options: { olderThanDays: number; now?: number }): Promise<TrimResult> {
  const cutoff = (options.now ?? Date.now()) - options.olderThanDays * 86_400_000;
  const types = FILE_EVENT_TYPES.map(() => "?").join(", ");
  const vaults = await ctx.db.execute({
    sql: `SELECT DISTINCT vault_id, account_id FROM events WHERE ts < ? AND vault_id IS NOT NULL AND type IN (${types})`,
    args: [cutoff, ...FILE_EVENT_TYPES],
  });
  const result: TrimResult = { eventsTrimmed: 0, watermarks: {} };
  for (const vaultRow of vaults.rows) {
    const vaultId = str(vaultRow.vault_id);
    const accountId = str(vaultRow.account_id);
    for (;;) {
      const step = await withWriteTransaction(ctx.db, async (tx) => {
        const watermark = await trimmedThrough(tx, vaultId);
        const rows = await readFileEvents(tx, { sql: "vault_id = ? AND seq > ?", args: [vaultId, watermark] }, PAGE);
        let through = watermark;
        let count = 0;
        for (const row of rows) {
          if (row.ts >= cutoff) break;
          // A poison event stays in the log (and in dead_letters) rather than vanish.
          if (!(await applyStoredEvent(tx, row, "cp_", "retention"))) break;
          through = row.seq;
          count++;
        }
        if (count === 0) return { count, through, done: true };
        await tx.execute({
          sql: `DELETE FROM events WHERE vault_id = ? AND seq > ? AND seq <= ? AND type IN (${types})`,
          args: [vaultId, watermark, through, ...FILE_EVENT_TYPES],
        });
        // Operation ids a purge kept live as long as their part of the log (S4).
        await tx.execute({ sql: "DELETE FROM op_ids WHERE vault_id = ? AND seq <= ?", args: [vaultId, through] });
        await tx.execute({
          sql: `INSERT INTO log_retention (vault_id, account_id, trimmed_through, trimmed_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (vault_id) DO UPDATE SET trimmed_through = excluded.trimmed_through, trimmed_at = excluded.trimmed_at`,
          args: [vaultId, accountId, through, Date.now()],
        });
        return { count, through, done: count < rows.length || rows.length < PAGE };
      });
      result.eventsTrimmed += step.count;
      if (step.count > 0) result.watermarks[vaultId] = step.through;
      if (step.done) break;
    }
  }
  if (result.eventsTrimmed > 0) ctx.logger.info(result, "change log cleaned");
  return result;
}
