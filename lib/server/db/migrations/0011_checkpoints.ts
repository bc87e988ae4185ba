import type { Migration } from "../migration.ts";

/**
 * Tree checkpoints (C6): the newest sealed checkpoint of each machine of a
 * vault, opaque to the server (lib/crypto/checkpoint.ts). A machine's
 * number only goes up: the server refuses an older one, so it cannot be
 * tricked into keeping a stale one by a replayed upload.
 */
export const migration0011: Migration = {
  id: 11,
  name: "tree checkpoints",
  statements: [
    `CREATE TABLE checkpoints (
      vault_id TEXT NOT NULL,
      machine_id TEXT NOT NULL,       -- the writer (machine_tokens.id)
      number INTEGER NOT NULL,        -- position in the machine's chain, from 1
      body BLOB NOT NULL,             -- the sealed checkpoint
      stored_at INTEGER NOT NULL,     -- ms since epoch, the server's clock
      PRIMARY KEY (vault_id, machine_id)
    ) STRICT`,
  ],
};
