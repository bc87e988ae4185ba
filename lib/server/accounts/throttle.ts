/**
 * Login throttling (S3): attempts are counted in SQLite, so every server
 * process on one database shares the counts, per key:
 * - `user-ip:<name>@<address>`: one account name from one client address
 *   (the tight limit). A guesser's address is refused for that name while
 *   the admin, from another address, still logs in;
 * - `ip:<address>`: one address over all names (guessing many names);
 * - `user:<name>`: one name over all addresses, a high ceiling against
 *   guessing spread over many addresses. Reaching it locks the name out
 *   everywhere until the window ends: that is the price of bounding
 *   distributed guessing, hence the high default.
 * An attempt is reserved (counted) atomically BEFORE the password is
 * checked, so parallel guesses cannot all slip under a limit while the slow
 * Argon2id checks run; a successful login gives its reservation back. Past
 * a limit inside the window, attempts answer 429 until the window ends,
 * without any password check.
 */
import type { Client } from "@libsql/client";
import { withWriteTransaction } from "../db/tx.ts";

/** One throttled key and its limit. */
export interface ThrottleKey {
  /** `user-ip:<name>@<address>`, `ip:<address>` or `user:<name>`. */
  key: string;
  /** Attempts allowed per window (successful ones are given back). */
  limit: number;
  /** Account the key belongs to, null for addresses. */
  accountId: string | null;
}

/**
 * Reserves one attempt against every key, unless one is at its limit.
 * @param db The database.
 * @param keys Keys to charge.
 * @param now Clock value in ms.
 * @param windowMs Window length.
 * @returns 0 when the attempt was reserved, else the seconds to wait (nothing charged).
 */
export async function reserveAttempt(db: Client, keys: readonly ThrottleKey[], now: number, windowMs: number): Promise<number> {
  return withWriteTransaction(db, async (tx) => {
    await tx.execute({ sql: "DELETE FROM login_throttle WHERE window_start + ? <= ?", args: [windowMs, now] });
    let wait = 0;
    for (const k of keys) {
      const result = await tx.execute({ sql: "SELECT window_start, failures FROM login_throttle WHERE key = ?", args: [k.key] });
      const row = result.rows[0];
      if (row && Number(row.failures) >= k.limit) {
        wait = Math.max(wait, Math.ceil((Number(row.window_start) + windowMs - now) / 1000));
      }
    }
    if (wait > 0) return wait;
    for (const k of keys) {
      await tx.execute({
        sql: `INSERT INTO login_throttle (key, account_id, window_start, failures) VALUES (?, ?, ?, 1)
              ON CONFLICT (key) DO UPDATE SET failures = failures + 1`,
        args: [k.key, k.accountId, now],
      });
    }
    return 0;
  });
}

/**
 * Gives a successful attempt back: the (name, address) pair's count is
 * cleared, the other keys lose the one reserved attempt.
 * @param db The database.
 * @param account The pair key to clear.
 * @param others Keys to decrement.
 */
export async function forgiveAttempt(db: Client, account: string, others: readonly string[]): Promise<void> {
  await withWriteTransaction(db, async (tx) => {
    await tx.execute({ sql: "DELETE FROM login_throttle WHERE key = ?", args: [account] });
    for (const key of others) {
      await tx.execute({ sql: "UPDATE login_throttle SET failures = MAX(failures - 1, 0) WHERE key = ?", args: [key] });
    }
  });
}
