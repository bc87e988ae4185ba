/**
 * Browser sessions (S3, W1): a random id in an HttpOnly cookie, stored only
 * as its SHA-256, with an idle timeout, an absolute lifetime and server-side
 * logout. The CSRF token is derived from the session id, so it needs no
 * storage and changes with every login.
 */
import type { Client } from "@libsql/client";
import { createHash } from "node:crypto";
import { hashSecret, newSecret } from "../auth/secrets.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { str } from "../../db/row.ts";

/** A live session as the middleware sees it. */
export interface SessionRecord {
  idHash: string;
  accountId: string;
  vaultId: string;
  userId: string;
  username: string;
  isAdmin: boolean;
  reauthAt: number | null;
  expiresAt: number;
}

/** Session lifetime limits. */
export interface SessionLimits {
  sessionIdleMs: number;
  sessionMaxMs: number;
}

/** Minimum gap between two `last_seen_at` writes of one session. */
const TOUCH_INTERVAL_MS = 15_000;

/**
 * The CSRF token of a session: SHA-256 of a label and the session id,
 * base64url. Knowing it reveals nothing about the id.
 * @param sessionId The session id from the cookie.
 * @returns The token the browser must echo in `X-CSRF-Token`.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHash("sha256").update("syncagent csrf\0").update(sessionId).digest("base64url");
}

/**
 * Starts a session for a user, ending the one presented at login (if any),
 * so a login always gets a fresh id (no fixation).
 * @param db The database.
 * @param user Who logged in, and the vault the session acts on.
 * @param now Clock value in ms.
 * @param limits Lifetime limits.
 * @param previousId The session id the browser sent, to delete.
 * @returns The new id (for the cookie), its CSRF token and absolute expiry.
 */
export async function createSession(
  db: Client,
  user: { accountId: string; userId: string; vaultId: string },
  now: number,
  limits: SessionLimits,
  previousId?: string,
): Promise<{ sessionId: string; csrfToken: string; expiresAt: number }> {
  const sessionId = newSecret("");
  const expiresAt = now + limits.sessionMaxMs;
  await withWriteTransaction(db, async (tx) => {
    if (previousId) await tx.execute({ sql: "DELETE FROM sessions WHERE id_hash = ?", args: [hashSecret(previousId)] });
    await tx.execute({ sql: "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", args: [now, now - limits.sessionIdleMs] });
    await tx.execute({
      sql: `INSERT INTO sessions (id_hash, account_id, user_id, vault_id, created_at, last_seen_at, expires_at, reauth_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [hashSecret(sessionId), user.accountId, user.userId, user.vaultId, now, now, expiresAt, now],
    });
  });
  return { sessionId, csrfToken: csrfTokenFor(sessionId), expiresAt };
}

/**
 * Looks a session up and, when live, records the activity (idle timeout).
 * @param db The database.
 * @param sessionId The id from the cookie.
 * @param now Clock value in ms.
 * @param limits Lifetime limits.
 * @param touch Count this lookup as activity. False for background checks
 *   (an open dashboard socket), so an unattended tab still times out.
 * @returns The session, or null when unknown, idle too long or expired.
 */
export async function findSession(
  db: Client,
  sessionId: string,
  now: number,
  limits: SessionLimits,
  touch = true,
): Promise<SessionRecord | null> {
  const idHash = hashSecret(sessionId);
  const result = await db.execute({
    // The session acts on the vault stored with it, while its account is still a member.
    sql: `SELECT s.account_id, s.user_id, s.vault_id, s.last_seen_at, s.expires_at, s.reauth_at, u.username, u.is_admin
          FROM sessions s JOIN users u ON u.id = s.user_id
          JOIN vault_members m ON m.vault_id = s.vault_id AND m.account_id = s.account_id
          WHERE s.id_hash = ?`,
    args: [idHash],
  });
  const row = result.rows[0];
  if (!row) return null;
  const lastSeen = Number(row.last_seen_at);
  const expiresAt = Number(row.expires_at);
  if (now >= expiresAt || now - lastSeen >= limits.sessionIdleMs) {
    await endSession(db, sessionId);
    return null;
  }
  if (touch && now - lastSeen >= TOUCH_INTERVAL_MS) {
    await withWriteTransaction(db, (tx) =>
      tx.execute({ sql: "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", args: [now, idHash] }),
    );
  }
  return {
    idHash,
    accountId: str(row.account_id),
    vaultId: str(row.vault_id),
    userId: str(row.user_id),
    username: str(row.username),
    isAdmin: Number(row.is_admin) === 1,
    reauthAt: row.reauth_at === null ? null : Number(row.reauth_at),
    expiresAt,
  };
}

/**
 * Ends a session on the server (logout): the cookie stops working at once,
 * even if a copy of it survives in the browser.
 * @param db The database.
 * @param sessionId The id from the cookie.
 */
export async function endSession(db: Client, sessionId: string): Promise<void> {
  await withWriteTransaction(db, (tx) => tx.execute({ sql: "DELETE FROM sessions WHERE id_hash = ?", args: [hashSecret(sessionId)] }));
}

/**
 * Records a successful password re-entry on a session, which authorises
 * destructive admin actions for a short window.
 * @param db The database.
 * @param idHash The session's stored hash.
 * @param now Clock value in ms.
 */
export async function markReauthenticated(db: Client, idHash: string, now: number): Promise<void> {
  await withWriteTransaction(db, (tx) => tx.execute({ sql: "UPDATE sessions SET reauth_at = ? WHERE id_hash = ?", args: [now, idHash] }));
}

/**
 * Points a session at another vault (`POST /api/auth/vault`); the caller
 * has checked that the session's account is a member of it.
 * @param db The database.
 * @param idHash The session's stored id hash.
 * @param vaultId The vault to act on from now on.
 */
export async function switchSessionVault(db: Client, idHash: string, vaultId: string): Promise<void> {
  await withWriteTransaction(db, (tx) => tx.execute({ sql: "UPDATE sessions SET vault_id = ? WHERE id_hash = ?", args: [vaultId, idHash] }));
}
