/**
 * A token bucket that keeps the agent under the server's report limit
 * (100 at once, 20 per second): by default 50 at once, then 15 per second.
 */

/** Tuning of a {@link Pacer}. */
export interface PaceOptions {
  /** Messages sent at once from a full bucket. @default 50 */
  burst?: number;
  /** Sustained messages per second. @default 15 */
  perSecond?: number;
}

/** A token bucket on an injectable clock. */
export class Pacer {
  private tokens: number;
  private at: number;
  private readonly burst: number;
  private readonly perMs: number;

  /**
   * @param options Burst and rate.
   * @param now Clock in ms. @default Date.now
   */
  constructor(
    options: PaceOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.burst = Math.max(1, options.burst ?? 50);
    this.perMs = Math.max(0.001, options.perSecond ?? 15) / 1000;
    this.tokens = this.burst;
    this.at = now();
  }

  /**
   * Takes one token when there is one.
   * @returns 0 when taken; otherwise how long to wait for the next one, ms.
   */
  take(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.at) * this.perMs);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / this.perMs);
  }

  /**
   * Takes one token only when more than `reserve` would be left: for messages that may be
   * skipped (progress), so they never hold up the ones that may not.
   * @param reserve Tokens to leave for others.
   * @returns Whether a token was taken.
   */
  takeAbove(reserve: number): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.at) * this.perMs);
    this.at = now;
    if (this.tokens - 1 < reserve) return false;
    this.tokens -= 1;
    return true;
  }

  /** Half the burst: what {@link takeAbove} callers usually leave. */
  get halfBurst(): number {
    return this.burst / 2;
  }

  /**
   * Empties the bucket (the server said it is out of tokens).
   */
  drain(): void {
    this.tokens = 0;
    this.at = this.now();
  }

  /**
   * Fills the bucket (a new connection).
   */
  refill(): void {
    this.tokens = this.burst;
    this.at = this.now();
  }
}
