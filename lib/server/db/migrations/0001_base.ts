import type { Migration } from "../migration.ts";

/**
 * Tenancy and the event log. Every row of every later table carries
 * `account_id` (and `vault_id` where it belongs to a vault), so more users and
 * vaults need no data migration (DESIGN.md §3).
 */
export const migration0001: Migration = {
  id: 1,
  name: "base",
  statements: [
    `CREATE TABLE accounts (
      id TEXT PRIMARY KEY,            -- opaque random id
      created_at INTEGER NOT NULL     -- ms since epoch
    ) STRICT`,
    `CREATE TABLE vaults (
      id TEXT PRIMARY KEY,
      account_id TEXT NOT NULL REFERENCES accounts(id),
      created_at INTEGER NOT NULL
    ) STRICT`,
    // The append-only event store (E1, E2, E5). seq is the global change-log
    // cursor; (stream, stream_version) orders each stream (a stream's name
    // carries its vault or its own random id, so it is unique by itself and
    // every member account of a vault writes the same streams).
    `CREATE TABLE events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,        -- event id (random, 128 bits, hex)
      account_id TEXT NOT NULL,
      vault_id TEXT,                  -- null for account-level events
      stream TEXT NOT NULL,           -- e.g. 'file:<vaultId>:<nodeId>', 'machine:<id>'
      stream_version INTEGER NOT NULL,
      type TEXT NOT NULL,             -- e.g. 'FileVersionCommitted'
      version INTEGER NOT NULL,       -- schema version of the payload
      ts INTEGER NOT NULL,            -- ms since epoch
      payload TEXT NOT NULL,          -- JSON
      meta TEXT NOT NULL,             -- JSON: correlationId, causationId, actor, requestId
      UNIQUE (stream, stream_version)
    ) STRICT`,
    "CREATE INDEX events_account_seq ON events (account_id, seq)",
    // The change log, the hub and the head of a vault read by vault.
    "CREATE INDEX events_vault_seq ON events (vault_id, seq)",
  ],
};
