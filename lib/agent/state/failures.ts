/**
 * Retries and dead letters (A7, E4): a path whose action failed waits
 * 1, 2, 4 … 60 s before it is tried again; past `maxRetries` it becomes a
 * dead letter, shown by `status`, and is left alone until it changes on disk
 * or the user retries it. A failure whose cause is outside the file (a full
 * disk, a quota) never becomes one: it is tried again every minute at most
 * until space returns. One failing path never stops the others.
 */
import type { Client } from "@libsql/client";
import { str } from "../../db/row.ts";
import type { StateSchema } from "./db.ts";

/** The failures table. */
export const FAILURES_SCHEMA: StateSchema = [
  `CREATE TABLE IF NOT EXISTS failures (
     path TEXT PRIMARY KEY, node_id TEXT, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL,
     error TEXT NOT NULL, dead INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL)`,
];

/** One failing path. */
export interface Failure {
  path: string;
  nodeId: string | null;
  attempts: number;
  /** When it may be tried again (ms since the epoch). */
  nextAt: number;
  error: string;
  /** Past the retry limit: a dead letter. */
  dead: boolean;
}

/**
 * Whether a failure comes from where the file goes rather than from the file:
 * a full disk or an exceeded quota (ENOSPC, EDQUOT). Such a path is never
 * given up on.
 * @param error The failure.
 * @returns True for a full disk or quota.
 */
export function isOutOfSpace(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOSPC" || code === "EDQUOT" || /\b(ENOSPC|EDQUOT)\b/.test(error.message);
}

/** Backoff policy. */
export interface RetryPolicy {
  /** Attempts before a path becomes a dead letter. @default 5 */
  maxRetries: number;
  /** First delay, ms. @default 1000 */
  initialMs: number;
  /** Longest delay, ms. @default 60000 */
  maxMs: number;
}

/** The default policy (A7). */
export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 5, initialMs: 1000, maxMs: 60_000 };

/**
 * The delay before attempt `attempts + 1`.
 * @param attempts Failures so far (≥ 1).
 * @param policy Delays.
 * @returns Milliseconds: 1, 2, 4 … capped.
 */
export function backoffMs(attempts: number, policy: RetryPolicy = DEFAULT_RETRY): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempts - 1));
}

/** Failing paths, in memory and in the state database. */
export class FailureStore {
  readonly #byPath = new Map<string, Failure>();
  #revision = 0;

  private constructor(
    private readonly db: Client,
    private readonly policy: RetryPolicy,
  ) {}

  /**
   * @param db The state database (opened with FAILURES_SCHEMA).
   * @param policy Backoff policy.
   * @returns The store, loaded.
   */
  static async open(db: Client, policy: RetryPolicy = DEFAULT_RETRY): Promise<FailureStore> {
    const store = new FailureStore(db, policy);
    const rs = await db.execute("SELECT path, node_id, attempts, next_at, error, dead FROM failures");
    for (const r of rs.rows) {
      const path = str(r.path);
      store.#byPath.set(path, {
        path,
        nodeId: r.node_id === null ? null : str(r.node_id),
        attempts: Number(r.attempts),
        nextAt: Number(r.next_at),
        error: str(r.error),
        dead: Number(r.dead) === 1,
      });
    }
    return store;
  }

  /**
   * Records a failure and schedules the retry.
   * @param path The path.
   * @param nodeId Its node, when known.
   * @param error What went wrong (local text: it may name the path; never sent to the server).
   * @param now Current time, ms.
   * @param options `keepTrying`: the cause is outside the file (a full disk): never a dead letter, retried at the
   *   longest backoff until it goes through.
   * @returns The failure as recorded.
   */
  async fail(path: string, nodeId: string | null, error: string, now = Date.now(), options: { keepTrying?: boolean } = {}): Promise<Failure> {
    this.#revision++;
    const before = this.#byPath.get(path);
    const attempts = (before?.attempts ?? 0) + 1;
    const dead = options.keepTrying !== true && attempts > this.policy.maxRetries;
    const failure: Failure = { path, nodeId, attempts, nextAt: now + backoffMs(attempts, this.policy), error, dead };
    this.#byPath.set(path, failure);
    await this.db.execute({
      sql: "INSERT OR REPLACE INTO failures (path, node_id, attempts, next_at, error, dead, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      args: [path, nodeId, attempts, failure.nextAt, error, dead ? 1 : 0, now],
    });
    return failure;
  }

  /**
   * Forgets a path's failures (it synced, or it changed and gets a fresh start).
   * @param path The path.
   */
  async clear(path: string): Promise<void> {
    if (!this.#byPath.delete(path)) return;
    this.#revision++;
    await this.db.execute({ sql: "DELETE FROM failures WHERE path = ?", args: [path] });
  }

  /**
   * Makes every failure that waits for its retry due now (a one-shot `sync`: the user asks to try now); dead
   * letters stay as they are.
   * @param now Current time, ms.
   * @returns How many became due.
   */
  async retryWaiting(now = Date.now()): Promise<number> {
    const waiting = [...this.#byPath.values()].filter((f) => !f.dead && f.nextAt > now);
    if (waiting.length === 0) return 0;
    this.#revision++;
    for (const f of waiting) f.nextAt = now;
    await this.db.execute({ sql: "UPDATE failures SET next_at = ? WHERE dead = 0 AND next_at > ?", args: [now, now] });
    return waiting.length;
  }

  /** Re-queues every dead letter (`syncagent sync --retry`, the dashboard later). */
  async retryAll(): Promise<number> {
    const n = this.#byPath.size;
    if (n > 0) this.#revision++;
    this.#byPath.clear();
    await this.db.execute("DELETE FROM failures");
    return n;
  }

  /**
   * @param path A path.
   * @param now Current time, ms.
   * @returns True while the path waits for its retry or is a dead letter.
   */
  blocked(path: string, now = Date.now()): boolean {
    const f = this.#byPath.get(path);
    return f !== undefined && (f.dead || f.nextAt > now);
  }

  /**
   * @param path A path.
   * @returns True while the path has a failure recorded (waiting or dead).
   */
  has(path: string): boolean {
    return this.#byPath.has(path);
  }

  /** Changes to the failures so far (recorded, cleared): the same number means the same failures. */
  get revision(): number {
    return this.#revision;
  }

  /**
   * Whether a retry came due in a span of time: what `blocked` answers for
   * some path differs between the two ends.
   * @param from Start, ms (excluded).
   * @param to End, ms (included).
   * @returns True when a pending retry's time lies in (from, to].
   */
  dueBetween(from: number, to: number): boolean {
    for (const f of this.#byPath.values()) if (!f.dead && f.nextAt > from && f.nextAt <= to) return true;
    return false;
  }

  /** @returns Every failing path. */
  list(): Failure[] {
    return [...this.#byPath.values()];
  }

  /** @returns The earliest pending retry time, or null. */
  nextRetryAt(): number | null {
    let next: number | null = null;
    for (const f of this.#byPath.values()) if (!f.dead && (next === null || f.nextAt < next)) next = f.nextAt;
    return next;
  }
}
