import type { Migration } from "../migration.ts";

/**
 * Tenancy ready for sharing and the key file's history
 *. `vault_members` says which accounts act on a vault and how:
 * a browser session and a machine token each name one vault, and every
 * route is scoped by it, so several vaults per account, or a vault shared
 * with a second account, need no further migration. `vault_key_versions`
 * keeps every key file ever written to a vault with its revision and
 * writer, so a replaced key file can still be read back.
 */
export const migration0008: Migration = {
  id: 8,
  name: "vault members and key file versions",
  statements: [
    `CREATE TABLE vault_members (
      vault_id TEXT NOT NULL REFERENCES vaults(id),
      account_id TEXT NOT NULL REFERENCES accounts(id),
      role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
      added_at INTEGER NOT NULL,          -- ms since epoch
      PRIMARY KEY (vault_id, account_id)
    ) STRICT`,
    "CREATE INDEX vault_members_account ON vault_members (account_id, added_at)",
    // The vault each existing vault's creating account owns.
    `INSERT INTO vault_members (vault_id, account_id, role, added_at)
     SELECT id, account_id, 'owner', created_at FROM vaults`,
    `CREATE TABLE vault_key_versions (
      vault_id TEXT NOT NULL REFERENCES vaults(id),
      revision INTEGER NOT NULL,          -- 1, 2, …: the vault_keys version it was
      account_id TEXT NOT NULL,
      blob TEXT NOT NULL,                 -- base64, opaque
      written_at INTEGER NOT NULL,
      written_by TEXT NOT NULL,           -- 'machine:<id>' or 'user:<id>'
      PRIMARY KEY (vault_id, revision)
    ) STRICT`,
    // The key files stored so far become their first recorded revision.
    `INSERT INTO vault_key_versions (vault_id, revision, account_id, blob, written_at, written_by)
     SELECT vault_id, version, account_id, blob, updated_at, updated_by FROM vault_keys`,
  ],
};
