/**
 * How long a login guesser waits (S3). Pure. A key's first
 * `free` failures cost nothing; then each failure doubles the wait before
 * the next attempt: base, 2×base, 4×base …, capped. With the defaults for
 * one name from one address (free 1, base 1 s): 0, 1, 2, 4 … s, at most
 * 60 s. Guessing slows down without ever locking the owner out: the right
 * password gets in once its delay has passed.
 */

/** Growth of the wait between attempts. */
export interface DelayRule {
  /** Failures that cost no wait. */
  free: number;
  /** The first wait, in ms. */
  baseMs: number;
  /** The longest wait, in ms. */
  maxMs: number;
}

/**
 * The wait before the next attempt after `failures` failures.
 * @param failures Failures counted so far.
 * @param rule The growth rule.
 * @returns Milliseconds to wait after the last failure.
 */
export function delayAfter(failures: number, rule: DelayRule): number {
  if (failures < rule.free) return 0;
  const exponent = Math.min(failures - rule.free, 30);
  return Math.min(rule.baseMs * 2 ** exponent, rule.maxMs);
}

/**
 * When the next attempt is allowed.
 * @param failures Failures counted so far.
 * @param lastFailureAt When the last one was counted (ms).
 * @param rule The growth rule.
 * @returns The earliest time (ms) of the next attempt; `-Infinity` while
 *   the failures are free. (Not the last failure's time: that can be a
 *   little later than the clock of a request that read it, when a request
 *   started after it was counted first.)
 */
export function nextAttemptAt(failures: number, lastFailureAt: number, rule: DelayRule): number {
  const wait = delayAfter(failures, rule);
  return wait === 0 ? Number.NEGATIVE_INFINITY : lastFailureAt + wait;
}
