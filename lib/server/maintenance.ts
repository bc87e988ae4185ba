/**
 * Daily maintenance of a running server at `purgeHour` (03:00 by default):
 * purge the trash past its retention (S5) and clean the change log (S7).
 */
import type { ServerContext } from "./context.ts";
import { purgeTrash } from "./files/purge.ts";
import { trimChangeLog } from "./files/retention.ts";
import { scheduleDaily } from "./schedule.ts";

/**
 * Runs the maintenance once.
 * @param ctx The server context.
 */
export async function runDailyMaintenance(ctx: ServerContext): Promise<void> {
  await purgeTrash(ctx, { olderThanDays: ctx.config.trashRetentionDays, reason: "retention" });
  await trimChangeLog(ctx, { olderThanDays: ctx.config.changeRetentionDays });
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
