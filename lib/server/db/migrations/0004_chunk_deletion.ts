import type { Migration } from "../migration.ts";

/**
 * Chunk deletion across server processes. A collection marks the row
 * (`deleting_since`) and bumps the chunk's deletion generation in one
 * transaction before it deletes the bytes, and removes the row after. An
 * upload claims the id (`chunk_uploads`, migration 0007) before it stores
 * the bytes and records its row only when no deletion started meanwhile.
 * Rows and stored objects are keyed per vault (lib/server/chunks/storage-key.ts).
 */
export const migration0004: Migration = {
  id: 4,
  name: "chunk deletion",
  statements: [
    "ALTER TABLE chunks ADD COLUMN deleting_since INTEGER", // ms since epoch; null while the chunk is live
    `CREATE TABLE chunk_deletions (
      vault_id TEXT NOT NULL,
      id TEXT NOT NULL,               -- chunk id
      generation INTEGER NOT NULL,    -- bumped by every deletion that starts
      PRIMARY KEY (vault_id, id)
    ) STRICT`,
  ],
};
