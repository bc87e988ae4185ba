/**
 * Daily maintenance of a running server at `purgeHour` (03:00 by default):
 * purge the trash past its retention (S5) and clean the change log (S7).
 * Every process sharing the database schedules it; each step runs under a
 * lease (lib/server/db/lease.ts), so one process does it and the others,
 * finding the lease held, skip that day's step (S6).
 */
import type { ServerContext } from "./context.ts";
import { LeaseHeldError } from "./db/lease.ts";
import { purgeTrash } from "./files/purge.ts";
import { trimChangeLog } from "./files/retention.ts";
import { scheduleDaily } from "./schedule.ts";

/**
 * Runs the maintenance once.
 * @param ctx The server context.
 */
export async function runDailyMaintenance(ctx: ServerContext): Promise<void> {
  await unlessHeld(ctx, () => purgeTrash(ctx, { olderThanDays: ctx.config.trashRetentionDays, reason: "retention" }));
  await unlessHeld(ctx, () => trimChangeLog(ctx, { olderThanDays: ctx.config.changeRetentionDays }));
}

/** Runs a step, or logs that another run holds its lease. */
async function unlessHeld(ctx: ServerContext, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (!(error instanceof LeaseHeldError)) throw error;
    ctx.logger.info({ lease: error.lease, holder: error.holder }, "daily maintenance step skipped: another run holds its lease");
  }
}

/**
 * Schedules the daily maintenance.
 * @param ctx The server context.
 * @returns A function that cancels it.
 */
export function startMaintenance(ctx: ServerContext): () => void {
  return scheduleDaily(
    ctx.config.purgeHour,
    () => runDailyMaintenance(ctx),
    (error) => ctx.logger.error({ err: error }, "daily maintenance failed"),
  );
}
