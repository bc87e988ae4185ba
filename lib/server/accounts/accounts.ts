/**
 * First-run setup: the account, its first vault and the admin user, created
 * together and only while no admin exists (S3, W1).
 */
import type { Client } from "@libsql/client";
import type { EventMeta } from "../../events/envelope.ts";
import { recordAuthEvent } from "../auth/events.ts";
import { hashPassword } from "./password.ts";
import { newId } from "../auth/secrets.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { str } from "../../db/row.ts";

/** Thrown by {@link createAdmin} when an admin already exists. */
export class AdminExistsError extends Error {
  override name = "AdminExistsError";
}

/** What setup created. */
export interface CreatedAdmin {
  accountId: string;
  vaultId: string;
  userId: string;
  username: string;
}

/**
 * Whether the first-run setup has been done.
 * @param db The database.
 * @returns True when an admin user exists.
 */
export async function adminExists(db: Client): Promise<boolean> {
  const result = await db.execute("SELECT 1 FROM users WHERE is_admin = 1 LIMIT 1");
  return result.rows.length > 0;
}

/**
 * Creates the admin (and the account and vault if none exist) atomically,
 * recording `AdminCreated`. Two concurrent calls: one wins, the other gets
 * {@link AdminExistsError}.
 * @param db The database.
 * @param input User name and password (hashed here with Argon2id).
 * @param now Clock value in ms.
 * @param meta Event metadata (the request id of the setup wizard).
 * @returns The new ids.
 */
export async function createAdmin(
  db: Client,
  input: { username: string; password: string },
  now: number,
  meta: EventMeta = {},
): Promise<CreatedAdmin> {
  const passwordHash = await hashPassword(input.password);
  const username = input.username.trim().toLowerCase();
  return withWriteTransaction(db, async (tx) => {
    const existing = await tx.execute("SELECT 1 FROM users WHERE is_admin = 1 LIMIT 1");
    if (existing.rows.length > 0) throw new AdminExistsError("An admin already exists");
    const account = await tx.execute("SELECT id FROM accounts ORDER BY created_at LIMIT 1");
    let accountId = account.rows[0] ? str(account.rows[0].id) : "";
    if (!accountId) {
      accountId = newId();
      await tx.execute({ sql: "INSERT INTO accounts (id, created_at) VALUES (?, ?)", args: [accountId, now] });
    }
    const vault = await tx.execute({ sql: "SELECT id FROM vaults WHERE account_id = ? ORDER BY created_at LIMIT 1", args: [accountId] });
    let vaultId = vault.rows[0] ? str(vault.rows[0].id) : "";
    if (!vaultId) {
      vaultId = newId();
      await tx.execute({ sql: "INSERT INTO vaults (id, account_id, created_at) VALUES (?, ?, ?)", args: [vaultId, accountId, now] });
    }
    // The account owns its first vault: sessions and machines act on vaults it is a member of.
    await tx.execute({
      sql: "INSERT INTO vault_members (vault_id, account_id, role, added_at) VALUES (?, ?, 'owner', ?) ON CONFLICT DO NOTHING",
      args: [vaultId, accountId, now],
    });
    const userId = newId();
    await tx.execute({
      sql: `INSERT INTO users (id, account_id, username, password_hash, is_admin, created_at, password_changed_at)
            VALUES (?, ?, ?, ?, 1, ?, ?)`,
      args: [userId, accountId, username, passwordHash, now, now],
    });
    await recordAuthEvent(tx, "AdminCreated", { accountId, vaultId: null, stream: `user:${userId}` }, { userId, username }, {
      actor: "system",
      ...meta,
    });
    return { accountId, vaultId, userId, username };
  });
}

/** A user row as the login needs it. */
export interface UserRecord {
  id: string;
  accountId: string;
  vaultId: string;
  username: string;
  passwordHash: string;
  isAdmin: boolean;
}

/**
 * Finds a user by login name, with the first vault (by the time it was
 * added) its account is a member of: the vault a new session acts on.
 * @param db The database.
 * @param username Login name (compared lower-cased).
 * @returns The user, or null.
 */
export async function findUserByName(db: Client, username: string): Promise<UserRecord | null> {
  const result = await db.execute({
    sql: `SELECT u.id, u.account_id, u.username, u.password_hash, u.is_admin,
                 (SELECT m.vault_id FROM vault_members m WHERE m.account_id = u.account_id
                  ORDER BY m.added_at, m.vault_id LIMIT 1) AS vault_id
          FROM users u WHERE u.username = ?`,
    args: [username.trim().toLowerCase()],
  });
  const row = result.rows[0];
  if (!row || row.vault_id === null) return null;
  return {
    id: str(row.id),
    accountId: str(row.account_id),
    vaultId: str(row.vault_id),
    username: str(row.username),
    passwordHash: str(row.password_hash),
    isAdmin: Number(row.is_admin) === 1,
  };
}

/**
 * Finds a user by id.
 * @param db The database.
 * @param userId The user id.
 * @returns The user, or null.
 */
export async function findUserById(db: Client, userId: string): Promise<UserRecord | null> {
  const result = await db.execute({ sql: "SELECT username FROM users WHERE id = ?", args: [userId] });
  const row = result.rows[0];
  return row ? findUserByName(db, str(row.username)) : null;
}

/**
 * Whether an account is a member of a vault.
 * @param db The database.
 * @param accountId The account.
 * @param vaultId The vault.
 * @returns True when it is.
 */
export async function isVaultMember(db: Client, accountId: string, vaultId: string): Promise<boolean> {
  const result = await db.execute({ sql: "SELECT 1 FROM vault_members WHERE account_id = ? AND vault_id = ?", args: [accountId, vaultId] });
  return result.rows.length > 0;
}
