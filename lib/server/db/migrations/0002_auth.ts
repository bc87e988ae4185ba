import type { Migration } from "../migration.ts";

/**
 * Accounts' people and machines (S3, S10, S11): the admin user, browser
 * sessions, login throttling, invitations, machines and their live status,
 * and the wrapped master key blob. Secrets (session ids, invitation codes,
 * machine tokens) are stored only as SHA-256 hex digests; the admin
 * password only as an Argon2id PHC string (params and salt included).
 */
export const migration0002: Migration = {
  id: 2,
  name: "auth",
  statements: [
    `CREATE TABLE users (
      id TEXT PRIMARY KEY,
      account_id TEXT NOT NULL REFERENCES accounts(id),
      username TEXT NOT NULL UNIQUE,     -- login name, lower-cased
      password_hash TEXT NOT NULL,       -- $argon2id$v=19$m=…,t=…,p=…$salt$hash
      is_admin INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      password_changed_at INTEGER NOT NULL
    ) STRICT`,
    // One row per browser session. The cookie holds the random session id;
    // only its SHA-256 is stored, so a leaked database gives no session.
    `CREATE TABLE sessions (
      id_hash TEXT PRIMARY KEY,          -- sha256(session id), hex
      account_id TEXT NOT NULL REFERENCES accounts(id),
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      vault_id TEXT NOT NULL REFERENCES vaults(id), -- the vault the session acts on (chosen at login)
      created_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL,     -- idle timeout counts from here
      expires_at INTEGER NOT NULL,       -- absolute lifetime
      reauth_at INTEGER                  -- last password re-entry (destructive actions)
    ) STRICT`,
    "CREATE INDEX sessions_user ON sessions (user_id)",
    // Failed logins per key ('user-ip:<name>@<address>', 'ip:<address>',
    // 'user:<name>'), shared by every server process on this database.
    // account_id is null for per-IP rows. A row is forgotten a window after
    // its last failure; the wait before the next attempt grows with failures.
    `CREATE TABLE login_throttle (
      key TEXT PRIMARY KEY,
      account_id TEXT,
      window_start INTEGER NOT NULL,     -- first failure counted
      failures INTEGER NOT NULL,
      last_failure_at INTEGER NOT NULL   -- the waits count from here
    ) STRICT`,
    `CREATE TABLE invitations (
      id TEXT PRIMARY KEY,
      account_id TEXT NOT NULL REFERENCES accounts(id),
      vault_id TEXT NOT NULL REFERENCES vaults(id),
      code_hash TEXT NOT NULL UNIQUE,    -- sha256(invitation code), hex
      created_by TEXT NOT NULL,          -- 'user:<id>' or 'cli'
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      redeemed_at INTEGER,
      machine_id TEXT,                   -- the machine it registered
      redeem_op_id TEXT,                 -- the registering client's opId: a retry with it answers that machine again
      revoked_at INTEGER
    ) STRICT`,
    `CREATE TABLE machines (
      id TEXT PRIMARY KEY,
      account_id TEXT NOT NULL REFERENCES accounts(id),
      vault_id TEXT NOT NULL REFERENCES vaults(id),
      name TEXT NOT NULL,
      platform TEXT NOT NULL,
      token_hash TEXT NOT NULL UNIQUE,   -- sha256(bearer token), hex
      created_at INTEGER NOT NULL,
      last_seen_at INTEGER,
      revoked_at INTEGER                 -- set on removal: the token stops working
    ) STRICT`,
    "CREATE INDEX machines_account ON machines (account_id)",
    // Latest report of each machine (S11 polling fallback, W4).
    `CREATE TABLE machine_status (
      machine_id TEXT PRIMARY KEY REFERENCES machines(id),
      account_id TEXT NOT NULL,
      vault_id TEXT NOT NULL,
      state TEXT NOT NULL,               -- syncing | idle | error | paused | offline
      last_file TEXT,                    -- opaque path id of the last file synced
      last_synced_at INTEGER,
      speed_bps INTEGER NOT NULL DEFAULT 0,
      files_synced INTEGER NOT NULL DEFAULT 0,
      files_pending INTEGER NOT NULL DEFAULT 0,
      bytes_stored INTEGER NOT NULL DEFAULT 0,
      errors INTEGER NOT NULL DEFAULT 0,
      conflicts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      updated_at INTEGER NOT NULL
    ) STRICT`,
    // Short-lived feed of agent reports so every server process can relay
    // them to its dashboards (tailed like the event log, pruned after minutes).
    `CREATE TABLE machine_reports (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      account_id TEXT NOT NULL,
      vault_id TEXT NOT NULL,
      machine_id TEXT NOT NULL,
      ts INTEGER NOT NULL,
      report TEXT NOT NULL               -- JSON, validated by lib/server/ws/reports.ts
    ) STRICT`,
    "CREATE INDEX machine_reports_ts ON machine_reports (ts)",
    // The wrapped master key (DESIGN §2 rule 1): opaque to the server.
    `CREATE TABLE vault_keys (
      vault_id TEXT PRIMARY KEY REFERENCES vaults(id),
      account_id TEXT NOT NULL REFERENCES accounts(id),
      blob TEXT NOT NULL,                -- base64, at most 16 KiB decoded
      version INTEGER NOT NULL,          -- optimistic concurrency, from 1
      updated_at INTEGER NOT NULL,
      updated_by TEXT NOT NULL
    ) STRICT`,
  ],
};
