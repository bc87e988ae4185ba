/**
 * Command metrics (E6): how many commands of each kind ran, how many failed,
 * and their latency, kept in memory and served at `/api/admin/metrics`.
 */

const WINDOW = 2048;

/** A summary of one command kind. */
export interface CommandStats {
  count: number;
  failures: number;
  /** Latency percentiles over the last {@link WINDOW} runs, milliseconds. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  totalMs: number;
}

interface Series {
  count: number;
  failures: number;
  totalMs: number;
  maxMs: number;
  recent: number[];
  next: number;
}

/** Collects per-command counts and latencies. */
export class Metrics {
  readonly #series = new Map<string, Series>();
  readonly #counters = new Map<string, number>();
  readonly startedAt = Date.now();

  /**
   * Records one run of a command.
   * @param name Command kind, e.g. `commit`.
   * @param ms Its duration.
   * @param ok Whether it succeeded.
   */
  observe(name: string, ms: number, ok: boolean): void {
    let s = this.#series.get(name);
    if (!s) {
      s = { count: 0, failures: 0, totalMs: 0, maxMs: 0, recent: [], next: 0 };
      this.#series.set(name, s);
    }
    s.count++;
    if (!ok) s.failures++;
    s.totalMs += ms;
    s.maxMs = Math.max(s.maxMs, ms);
    if (s.recent.length < WINDOW) s.recent.push(ms);
    else s.recent[s.next] = ms;
    s.next = (s.next + 1) % WINDOW;
  }

  /**
   * Times an async command and records it.
   * @param name Command kind.
   * @param fn The command.
   * @returns What `fn` returned.
   */
  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      const result = await fn();
      this.observe(name, performance.now() - start, true);
      return result;
    } catch (error) {
      this.observe(name, performance.now() - start, false);
      throw error;
    }
  }

  /**
   * Adds to a plain counter (items committed, bytes stored…).
   * @param name Counter name.
   * @param by Amount. @default 1
   */
  count(name: string, by = 1): void {
    this.#counters.set(name, (this.#counters.get(name) ?? 0) + by);
  }

  /** @returns Every command's summary and every counter. */
  snapshot(): { uptimeMs: number; commands: Record<string, CommandStats>; counters: Record<string, number> } {
    const commands: Record<string, CommandStats> = {};
    for (const [name, s] of this.#series) {
      const sorted = [...s.recent].sort((a, b) => a - b);
      commands[name] = {
        count: s.count,
        failures: s.failures,
        p50Ms: round(percentile(sorted, 0.5)),
        p99Ms: round(percentile(sorted, 0.99)),
        maxMs: round(s.maxMs),
        totalMs: round(s.totalMs),
      };
    }
    return { uptimeMs: Date.now() - this.startedAt, commands, counters: Object.fromEntries(this.#counters) };
  }
}

/**
 * The p-th percentile of sorted numbers (nearest rank).
 * @param sorted Ascending values.
 * @param p Fraction between 0 and 1.
 * @returns The value, or 0 for an empty list.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? 0;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
