/**
 * Login throttling (S3): failures are counted per account name and per
 * client address in SQLite, so every server process on one database shares
 * the counts. Past the limit inside the window, logins answer 429 until the
 * window ends, whether the password is right or not.
 */
import type { Client } from "@libsql/client";
import { withWriteTransaction } from "../db/tx.ts";

/** One throttled key and its limit. */
export interface ThrottleKey {
  /** `user:<name>` or `ip:<address>`. */
  key: string;
  /** Failures allowed per window. */
  limit: number;
  /** Account the key belongs to, null for addresses. */
  accountId: string | null;
}

/**
 * Whether any key is over its limit.
 * @param db The database.
 * @param keys Keys to check.
 * @param now Clock value in ms.
 * @param windowMs Window length.
 * @returns Seconds to wait, or 0 when allowed.
 */
export async function throttleDelay(db: Client, keys: readonly ThrottleKey[], now: number, windowMs: number): Promise<number> {
  let wait = 0;
  for (const k of keys) {
    const result = await db.execute({ sql: "SELECT window_start, failures FROM login_throttle WHERE key = ?", args: [k.key] });
    const row = result.rows[0];
    if (!row) continue;
    const windowEnd = Number(row.window_start) + windowMs;
    if (windowEnd > now && Number(row.failures) >= k.limit) wait = Math.max(wait, Math.ceil((windowEnd - now) / 1000));
  }
  return wait;
}

/**
 * Counts one failure against every key (a new window starts when the old
 * one has ended).
 * @param db The database.
 * @param keys Keys to charge.
 * @param now Clock value in ms.
 * @param windowMs Window length.
 */
export async function recordFailure(db: Client, keys: readonly ThrottleKey[], now: number, windowMs: number): Promise<void> {
  await withWriteTransaction(db, async (tx) => {
    await tx.execute({ sql: "DELETE FROM login_throttle WHERE window_start + ? <= ?", args: [windowMs, now] });
    for (const k of keys) {
      await tx.execute({
        sql: `INSERT INTO login_throttle (key, account_id, window_start, failures) VALUES (?, ?, ?, 1)
              ON CONFLICT (key) DO UPDATE SET
                failures = CASE WHEN window_start + ? <= excluded.window_start THEN 1 ELSE failures + 1 END,
                window_start = CASE WHEN window_start + ? <= excluded.window_start THEN excluded.window_start ELSE window_start END`,
        args: [k.key, k.accountId, now, windowMs, windowMs],
      });
    }
  });
}

/**
 * Forgets the failures of a key (after a successful login for that account).
 * @param db The database.
 * @param key The key.
 */
export async function clearFailures(db: Client, key: string): Promise<void> {
  await withWriteTransaction(db, (tx) => tx.execute({ sql: "DELETE FROM login_throttle WHERE key = ?", args: [key] }));
}
