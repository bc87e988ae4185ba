/**
 * When the daily maintenance (trash purge, change-log cleaning) runs: a
 * pure function of the current time, so it is tested without waiting.
 */

/**
 * Milliseconds from `now` to the next `hour`:00 local time. If it is exactly
 * that time, the next run is tomorrow.
 * @param now The current time.
 * @param hour Local hour, 0–23.
 * @returns A positive delay in milliseconds.
 */
export function msUntilNextDailyRun(now: Date, hour: number): number {
  const next = new Date(now.getTime());
  next.setHours(hour, 0, 0, 0);
  if (next.getTime() <= now.getTime()) {
    next.setDate(next.getDate() + 1);
    next.setHours(hour, 0, 0, 0);
  }
  return next.getTime() - now.getTime();
}

/**
 * Runs `task` every day at `hour`:00 local time, re-computing the delay
 * after each run (so daylight-saving changes do not drift it).
 * @param hour Local hour.
 * @param task The work; its errors go to `onError`.
 * @param onError Receives a failed run's error.
 * @returns A function that cancels the schedule.
 */
export function scheduleDaily(hour: number, task: () => Promise<void>, onError: (error: unknown) => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const arm = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      task()
        .catch(onError)
        .finally(arm);
    }, msUntilNextDailyRun(new Date(), hour));
    timer.unref?.();
  };
  arm();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
