import type { Migration } from "../migration.ts";

/**
 * Leases (S6): the work that must run in one server process at a time
 * when several share the database (trash purge, change-log cleaning). A
 * row is held until `expires_at`; its holder renews it while it works, and
 * a holder that died loses it when it expires.
 */
export const migration0012: Migration = {
  id: 12,
  name: "leases",
  statements: [
    `CREATE TABLE leases (
      name TEXT PRIMARY KEY,          -- what the lease guards: trash-purge, change-log
      holder TEXT NOT NULL,           -- a random token of the holding run (host and pid for people, in holder_label)
      holder_label TEXT NOT NULL,
      acquired_at INTEGER NOT NULL,   -- ms since epoch
      expires_at INTEGER NOT NULL
    ) STRICT`,
  ],
};
