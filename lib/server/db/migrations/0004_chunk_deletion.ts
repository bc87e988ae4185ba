import type { Migration } from "../migration.ts";

/**
 * Chunk deletion across server processes. A collection marks the row
 * (`deleting_since`) and bumps the chunk's deletion generation in one
 * transaction before it deletes the bytes, and removes the row after. An
 * upload reads the generation before it stores the bytes and records its
 * row only when no deletion started meanwhile: otherwise the bytes it stored
 * may just have been deleted, and it asks the client to retry. Stored
 * objects are keyed per account (lib/server/chunks/storage-key.ts).
 */
export const migration0004: Migration = {
  id: 4,
  name: "chunk deletion",
  statements: [
    "ALTER TABLE chunks ADD COLUMN deleting_since INTEGER", // ms since epoch; null while the chunk is live
    `CREATE TABLE chunk_deletions (
      account_id TEXT NOT NULL,
      id TEXT NOT NULL,               -- chunk id
      generation INTEGER NOT NULL,    -- bumped by every deletion that starts
      PRIMARY KEY (account_id, id)
    ) STRICT`,
  ],
};
