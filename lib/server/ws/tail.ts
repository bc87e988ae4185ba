/**
 * Tails an append-only table by its sequence number: every server process
 * sharing one database learns of rows committed by any of them, with no
 * broker. Polls every `pollMs` while active, and at once when woken (by a
 * local commit, or another process's through the wake channel). One read
 * runs at a time.
 */

/** Options of {@link Tail}. */
export interface TailOptions<R> {
  /** Reads rows with `seq > after`, in order, at most `limit` (fewer is fine: the tail reads again until a read is empty). */
  read(after: number, limit: number): Promise<R[]>;
  /** The current highest sequence number (where a new tail starts). */
  head(): Promise<number>;
  /** The sequence number of a row. */
  seqOf(row: R): number;
  /** Receives each batch, in order. */
  deliver(rows: R[]): void;
  /** Whether anyone listens; the loop stops when not. */
  active(): boolean;
  /** Reports a failed read; the loop keeps going. */
  onError(error: unknown): void;
  /** Poll period in ms, read before each wait (it may change: slower while another channel wakes the tail). @default 25 */
  pollMs?: number | (() => number);
  /** Rows per read. @default 500 */
  batch?: number;
}

/** A polling tail over one table. */
export class Tail<R> {
  readonly #options: TailOptions<R>;
  #cursor: number | null = null;
  #running = false;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /**
   * @param options How to read, where to deliver.
   */
  constructor(options: TailOptions<R>) {
    this.#options = options;
  }

  /** The last sequence number delivered (null before the first read). */
  get cursor(): number | null {
    return this.#cursor;
  }

  /** Reads now (or right after the read in progress). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    void this.#tick();
  }

  /** Stops polling for good. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Positions the tail at the current head, if it has no position yet.
   * Call when the first listener arrives, so it is told only of new rows.
   */
  async start(): Promise<void> {
    if (this.#cursor === null) this.#cursor = await this.#options.head();
    this.wake();
  }

  #pollMs(): number {
    const pollMs = this.#options.pollMs ?? 25;
    return typeof pollMs === "function" ? pollMs() : pollMs;
  }

  async #tick(): Promise<void> {
    if (this.#stopped || !this.#options.active()) {
      this.#cursor = null;
      return;
    }
    this.#running = true;
    let full = false;
    try {
      if (this.#cursor === null) this.#cursor = await this.#options.head();
      const batch = this.#options.batch ?? 500;
      const rows = await this.#options.read(this.#cursor, batch);
      if (rows.length > 0) {
        this.#cursor = this.#options.seqOf(rows[rows.length - 1] as R);
        this.#options.deliver(rows);
      }
      // Any row read: read again at once (a byte-capped read may stop short of `batch` with more to come).
      full = rows.length > 0;
    } catch (error) {
      this.#options.onError(error);
    } finally {
      this.#running = false;
    }
    if (this.#stopped) return;
    if (full || this.#again) {
      this.#again = false;
      setTimeout(() => void this.#tick(), 0);
      return;
    }
    const timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#tick();
    }, this.#pollMs());
    timer.unref?.();
    this.#timer = timer;
  }
}
