/**
 * A token bucket per key (pure but for the clock it is given): agents'
 * reports are limited per machine, across all its sockets in this process.
 */

/** Bucket size and refill rate. */
export interface RateLimit {
  /** Most reports accepted in a burst. */
  burst: number;
  /** Reports per second refilled. */
  perSecond: number;
}

/** Default limit of reports per machine: bursts of 100, 20 per second sustained. */
export const DEFAULT_REPORT_LIMIT: RateLimit = { burst: 100, perSecond: 20 };

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets by key. */
export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #limit: RateLimit;
  /** Refused takes, over the buckets' life. */
  dropped = 0;

  /** @param limit Bucket size and refill rate. */
  constructor(limit: RateLimit = DEFAULT_REPORT_LIMIT) {
    this.#limit = limit;
  }

  /**
   * Takes one token from `key`'s bucket.
   * @param key The machine id.
   * @param now Clock value in ms.
   * @returns False (and counts a drop) when the bucket is empty.
   */
  take(key: string, now: number): boolean {
    const bucket = this.#buckets.get(key) ?? { tokens: this.#limit.burst, at: now };
    bucket.tokens = Math.min(this.#limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#limit.perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > 10_000) this.#forgetFull(now);
    if (bucket.tokens < 1) {
      this.dropped++;
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }

  /** Forgets buckets that have refilled (they would start full anyway). */
  #forgetFull(now: number): void {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.#limit.perSecond >= this.#limit.burst) this.#buckets.delete(key);
    }
  }
}
