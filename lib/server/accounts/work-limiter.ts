/**
 * Bounds expensive work running at once: each password check is
 * an Argon2id instance of 64 MiB on the main thread, so 20 parallel wrong
 * logins once took the server to about 1 GB. At most `concurrency` run, at
 * most `queue` wait; the rest are refused at once ({@link tryAcquire} gives
 * null) and answered 503 `busy` with Retry-After. Pure: no I/O.
 */

/** Releases a slot; calling it twice is harmless. */
export type Release = () => void;

/** A bounded semaphore with a bounded wait queue. */
export class WorkLimiter {
  private running = 0;
  private readonly waiting: Array<(release: Release) => void> = [];

  /**
   * @param concurrency Slots that run at once (≥ 1).
   * @param queue Callers that may wait for a slot (≥ 0).
   */
  constructor(
    readonly concurrency: number,
    readonly queue: number,
  ) {}

  /** Slots in use and callers waiting, for metrics and tests. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /**
   * Takes a slot now or a place in the queue.
   * @returns A promise of the slot's release function, or null when the queue is full.
   */
  tryAcquire(): Promise<Release> | null {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.queue) return null;
    return new Promise<Release>((resolve) => this.waiting.push(resolve));
  }

  private releaser(): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next(this.releaser());
      else this.running--;
    };
  }
}
