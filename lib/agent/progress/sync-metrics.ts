/**
 * What the long-running agent measures about itself (E6): how long passes
 * take, how long a local change waits until it is synced (processing
 * latency), items synced (throughput), failures, and the lag: the age
 * of the oldest change not yet synced. A lag past a threshold is flagged in
 * `status` (and by the tray), not only counted. Pure: the clock is injected.
 */

/** The measurements as `status` serves them. */
export interface SyncMetricsSnapshot {
  /** Passes run since the agent started. */
  passes: number;
  /** Duration of the last pass, ms (null before the first). */
  lastPassMs: number | null;
  /** Median and 95th percentile of recent pass durations, ms. */
  passMs: { p50: number; p95: number } | null;
  /** Median and 95th percentile of recent change-to-synced latencies, ms (A3's delay included). */
  changeLatencyMs: { p50: number; p95: number } | null;
  /** Files synced since start, by direction. */
  files: { up: number; down: number };
  /** Items that failed since start (each failed attempt counts). */
  failures: number;
  /** Age of the oldest change not yet synced, ms (0 when none waits). */
  lagMs: number;
  /** The lag is past the threshold. */
  lagging: boolean;
  /** The threshold, ms. */
  lagThresholdMs: number;
}

/** Options of {@link SyncMetrics}. */
export interface SyncMetricsOptions {
  /** A change waiting longer than this is flagged, ms. @default 60000 */
  lagThresholdMs?: number;
  /** How many recent durations the percentiles use. @default 200 */
  window?: number;
  /** Clock, ms. @default Date.now */
  now?: () => number;
}

/** A fixed-size window of recent values. */
class Window {
  readonly #values: number[] = [];
  #next = 0;

  constructor(private readonly size: number) {}

  add(value: number): void {
    if (this.#values.length < this.size) this.#values.push(value);
    else this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.size;
  }

  percentiles(): { p50: number; p95: number } | null {
    if (this.#values.length === 0) return null;
    const sorted = [...this.#values].sort((a, b) => a - b);
    const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
    return { p50: at(0.5), p95: at(0.95) };
  }
}

/** Counters and windows of one running agent. */
export class SyncMetrics {
  readonly #now: () => number;
  readonly #threshold: number;
  readonly #passDurations: Window;
  readonly #latencies: Window;
  #passes = 0;
  #passStartedAt: number | null = null;
  #lastPassMs: number | null = null;
  /** When the oldest change not yet synced was seen (null: nothing waits). */
  #pendingSince: number | null = null;
  /** When the changes the running pass covers were seen. */
  #coveredSince: number | null = null;
  readonly #files = { up: 0, down: 0 };
  #failures = 0;

  /**
   * @param options Threshold, window size and clock.
   */
  constructor(options: SyncMetricsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#threshold = options.lagThresholdMs ?? 60_000;
    this.#passDurations = new Window(options.window ?? 200);
    this.#latencies = new Window(options.window ?? 200);
  }

  /** Something changed (a local save, a server notification): it waits from now unless an older change waits already. */
  changed(): void {
    this.#pendingSince ??= this.#now();
  }

  /** A pass starts: it covers every change seen until now. */
  passStarted(): void {
    this.#passStartedAt = this.#now();
    if (this.#pendingSince !== null) {
      this.#coveredSince = this.#coveredSince === null ? this.#pendingSince : Math.min(this.#coveredSince, this.#pendingSince);
      this.#pendingSince = null;
    }
  }

  /** A pass ended. */
  passFinished(): void {
    if (this.#passStartedAt === null) return;
    this.#passes++;
    this.#lastPassMs = this.#now() - this.#passStartedAt;
    this.#passDurations.add(this.#lastPassMs);
    this.#passStartedAt = null;
  }

  /**
   * The agent settled (nothing left to do, or only failures waiting for
   * their retry): the changes its passes covered are synced.
   * @param clean False when some items failed: their changes still wait.
   */
  settled(clean: boolean): void {
    if (this.#coveredSince === null) return;
    if (!clean) {
      // Still waiting: the failed items keep the lag growing until they sync or are given up.
      this.#pendingSince = this.#pendingSince === null ? this.#coveredSince : Math.min(this.#pendingSince, this.#coveredSince);
      this.#coveredSince = null;
      return;
    }
    this.#latencies.add(this.#now() - this.#coveredSince);
    this.#coveredSince = null;
  }

  /**
   * An item synced.
   * @param direction Which way: up to the server, or down (a download or a local change made for the server's).
   */
  synced(direction: "up" | "down"): void {
    this.#files[direction]++;
  }

  /** An item failed. */
  failed(): void {
    this.#failures++;
  }

  /** @returns The measurements now. */
  snapshot(): SyncMetricsSnapshot {
    const now = this.#now();
    const oldest = [this.#pendingSince, this.#coveredSince].filter((t): t is number => t !== null);
    const lagMs = oldest.length === 0 ? 0 : Math.max(0, now - Math.min(...oldest));
    return {
      passes: this.#passes,
      lastPassMs: this.#lastPassMs,
      passMs: this.#passDurations.percentiles(),
      changeLatencyMs: this.#latencies.percentiles(),
      files: { ...this.#files },
      failures: this.#failures,
      lagMs,
      lagging: lagMs > this.#threshold,
      lagThresholdMs: this.#threshold,
    };
  }
}
