/** Reconnect delays: exponential, capped, with jitter so machines do not reconnect in step. */

/** Tuning of {@link backoffDelay}. */
export interface BackoffOptions {
  /** Delay before the first retry, ms. @default 1000 */
  initialMs?: number;
  /** Longest delay, ms. @default 60000 */
  maxMs?: number;
}

/**
 * The delay before retry number `attempt`: `initialMs · 2^attempt`, capped at
 * `maxMs`, then drawn uniformly from its upper half (jitter).
 * @param attempt 0 for the first retry after a failure.
 * @param options Initial and longest delay.
 * @param random A source of numbers in [0, 1). @default Math.random
 * @returns The delay in ms.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = Math.max(1, options.initialMs ?? 1000);
  const max = Math.max(initial, options.maxMs ?? 60_000);
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}
