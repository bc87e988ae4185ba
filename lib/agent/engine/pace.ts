/**
 * Pacing of the running agent's passes (A5, Q2): a pass plans the whole
 * tree, so while changes keep arriving (another machine uploading a large
 * tree) back-to-back passes would spend most of their time planning the
 * same nodes again. After a pass that did something, the next one waits a
 * few times as long as the plan took (at most two seconds): what arrives
 * meanwhile is taken by one pass, and planning stays a small part of the
 * time. A pass that planned nothing, or planned quickly, does not wait.
 */

/** How many times the plan's duration the next pass waits. */
export const PACE_FACTOR = 4;
/** The longest wait between two passes, ms. */
export const PACE_MAX_MS = 2000;

/**
 * The wait before the next pass.
 * @param planMs How long the last pass's plan took, ms (0 when it took an earlier answer).
 * @param factor Times the plan's duration. @default PACE_FACTOR
 * @param maxMs At most this, ms. @default PACE_MAX_MS
 * @returns The wait, ms (0: none).
 */
export function paceMs(planMs: number, factor = PACE_FACTOR, maxMs = PACE_MAX_MS): number {
  if (!(planMs > 0)) return 0;
  return Math.min(maxMs, Math.round(planMs * factor));
}

/**
 * Waits, or less when the signal aborts (pause, shutdown).
 * @param ms The wait.
 * @param signal Ends the wait early.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
