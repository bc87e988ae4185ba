import type { Migration } from "../migration.ts";

/**
 * Idempotent writes (S4, E3): every recorded commit item, trash restore and
 * version restore names the client's operation id; `operations` maps it to
 * what it recorded, so a retry answers the original result. A projection of
 * the events' `opId` (rebuilt by replay); rows go when the change-log
 * cleaning removes their event, so they live exactly as long as the log.
 */
export const migration0006: Migration = {
  id: 6,
  name: "operations",
  statements: [
    `CREATE TABLE operations (
      account_id TEXT NOT NULL,
      vault_id TEXT NOT NULL,
      op_id TEXT NOT NULL,            -- client-chosen, 16-64 of [A-Za-z0-9_-]
      node_id TEXT NOT NULL,          -- the node it wrote
      version INTEGER NOT NULL,       -- the version it recorded
      seq INTEGER NOT NULL,           -- its event
      created_at INTEGER NOT NULL,
      PRIMARY KEY (vault_id, op_id)
    ) STRICT`,
    "CREATE INDEX operations_seq ON operations (seq)",
  ],
};
