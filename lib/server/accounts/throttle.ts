/**
 * Login throttling (S3): attempts are counted in SQLite, so every
 * server process on one database shares the counts, per key:
 * - `user-ip:<name>@<address>`: one account name from one client address.
 *   Past its free failures each failure doubles the wait before the next
 *   attempt (lib/server/accounts/login-delay.ts: 0, 1, 2, 4 … s, capped):
 *   a guesser is slowed down, and the owner, even from the same address
 *   (every local process shares 127.0.0.1), gets in once the wait is over;
 * - `ip:<address>`: one address over all names, the same growing waits past
 *   a larger free allowance (guessing many names);
 * - `user:<name>`: one name over all addresses, a high ceiling against
 *   guessing spread over many addresses. Reaching it locks the name out
 *   everywhere until the window ends: that is the price of bounding
 *   distributed guessing, hence the high default.
 * A key's count is forgotten a window after its last failure. An attempt is
 * reserved (counted) atomically BEFORE the password is checked, so parallel
 * guesses cannot all slip through while the slow Argon2id checks run; a
 * successful login gives its reservation back. A refused attempt answers 429
 * with the wait, costs no password check, and is not counted.
 */
import type { Client } from "@libsql/client";
import { withWriteTransaction } from "../db/tx.ts";
import { nextAttemptAt, type DelayRule } from "./login-delay.ts";

/** One throttled key and its rule. */
export interface ThrottleKey {
  /** `user-ip:<name>@<address>`, `ip:<address>` or `user:<name>`. */
  key: string;
  /** Growing waits past the free failures, or a hard ceiling per window. */
  rule: { kind: "delay"; delay: DelayRule } | { kind: "ceiling"; limit: number };
  /** Account the key belongs to, null for addresses. */
  accountId: string | null;
}

/**
 * Reserves one attempt against every key, unless one of them says wait.
 * @param db The database.
 * @param keys Keys to charge.
 * @param now Clock value in ms.
 * @param windowMs A key is forgotten this long after its last failure.
 * @returns 0 when the attempt was reserved, else the seconds to wait (nothing charged).
 */
export async function reserveAttempt(db: Client, keys: readonly ThrottleKey[], now: number, windowMs: number): Promise<number> {
  return withWriteTransaction(db, async (tx) => {
    await tx.execute({ sql: "DELETE FROM login_throttle WHERE last_failure_at + ? <= ?", args: [windowMs, now] });
    let allowedAt = now;
    for (const k of keys) {
      const result = await tx.execute({ sql: "SELECT failures, last_failure_at FROM login_throttle WHERE key = ?", args: [k.key] });
      const row = result.rows[0];
      if (!row) continue;
      const failures = Number(row.failures);
      const last = Number(row.last_failure_at);
      const at = k.rule.kind === "delay" ? nextAttemptAt(failures, last, k.rule.delay) : failures >= k.rule.limit ? last + windowMs : now;
      allowedAt = Math.max(allowedAt, at);
    }
    if (allowedAt > now) return Math.max(1, Math.ceil((allowedAt - now) / 1000));
    for (const k of keys) {
      await tx.execute({
        sql: `INSERT INTO login_throttle (key, account_id, window_start, failures, last_failure_at) VALUES (?, ?, ?, 1, ?)
              ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures + 1, last_failure_at = excluded.last_failure_at`,
        args: [k.key, k.accountId, now, now],
      });
    }
    return 0;
  });
}

/**
 * Gives an attempt back: after a successful login the (name, address)
 * pair's count is cleared and the other keys lose the one reserved attempt;
 * after a refusal for load (503) every key loses it.
 * @param db The database.
 * @param cleared Keys to clear (may be empty).
 * @param others Keys to decrement.
 */
export async function forgiveAttempt(db: Client, cleared: readonly string[], others: readonly string[]): Promise<void> {
  await withWriteTransaction(db, async (tx) => {
    for (const key of cleared) await tx.execute({ sql: "DELETE FROM login_throttle WHERE key = ?", args: [key] });
    for (const key of others) {
      await tx.execute({ sql: "UPDATE login_throttle SET failures = MAX(failures - 1, 0) WHERE key = ?", args: [key] });
    }
  });
}
