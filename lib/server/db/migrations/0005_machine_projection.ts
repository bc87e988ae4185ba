import type { Migration } from "../migration.ts";

/**
 * The machine list becomes a projection (E3, S10): `machine_registry` holds
 * what the MachineRegistered / MachineRenamed / MachineRemoved events say
 * (id, account, vault, name, platform, registration and removal times) and
 * `rebuild-projections` replays it. What no event carries stays in
 * `machine_tokens`, which a rebuild never touches: the token's SHA-256
 * (secrets are never in events), the last time the machine was seen, and
 * the token's own revocation time. The old `machines` table is renamed to
 * `machine_tokens` (so `machine_status` keeps referencing it), its copied
 * columns are dropped, and `machines` becomes a read-only view joining the
 * two for readers.
 */
export const migration0005: Migration = {
  id: 5,
  name: "machine projection",
  statements: [
    "ALTER TABLE machines RENAME TO machine_tokens",
    "DROP INDEX machines_account",
    `CREATE TABLE machine_registry (
      id TEXT PRIMARY KEY,               -- machine id
      account_id TEXT NOT NULL,
      vault_id TEXT NOT NULL,
      name TEXT NOT NULL,                -- latest MachineRegistered / MachineRenamed name
      platform TEXT NOT NULL,
      registered_at INTEGER NOT NULL,    -- ts of MachineRegistered
      removed_at INTEGER                 -- ts of MachineRemoved; null while the machine is live
    ) STRICT`,
    "CREATE INDEX machine_registry_account ON machine_registry (account_id)",
    // Times come from the events where they exist, so a rebuild gives the same rows.
    `INSERT INTO machine_registry (id, account_id, vault_id, name, platform, registered_at, removed_at)
     SELECT m.id, m.account_id, m.vault_id, m.name, m.platform,
       COALESCE((SELECT e.ts FROM events e WHERE e.account_id = m.account_id AND e.stream = 'machine:' || m.id
                 AND e.type = 'MachineRegistered' ORDER BY e.seq LIMIT 1), m.created_at),
       CASE WHEN m.revoked_at IS NULL THEN NULL ELSE
         COALESCE((SELECT e.ts FROM events e WHERE e.account_id = m.account_id AND e.stream = 'machine:' || m.id
                   AND e.type = 'MachineRemoved' ORDER BY e.seq LIMIT 1), m.revoked_at) END
     FROM machine_tokens m`,
    "ALTER TABLE machine_tokens DROP COLUMN name",
    "ALTER TABLE machine_tokens DROP COLUMN platform",
    "ALTER TABLE machine_tokens DROP COLUMN created_at",
    "CREATE INDEX machine_tokens_account ON machine_tokens (account_id)",
    // machine_tokens now: id, account_id, vault_id, token_hash (unique), last_seen_at, revoked_at.
    `CREATE VIEW machines AS
     SELECT r.id, r.account_id, r.vault_id, r.name, r.platform, t.token_hash, r.registered_at AS created_at,
            t.last_seen_at, COALESCE(t.revoked_at, r.removed_at) AS revoked_at
     FROM machine_registry r JOIN machine_tokens t ON t.id = r.id`,
  ],
};
