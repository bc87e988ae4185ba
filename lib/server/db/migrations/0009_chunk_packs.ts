import type { Migration } from "../migration.ts";

/**
 * Chunk packs (S6): a batch upload stores its new small chunks as one pack
 * object (lib/server/chunks/pack.ts) and their rows point into it. A row
 * with a null `pack_key` is a standalone object under its storage key, as
 * before; a packed row's bytes are `pack_length` bytes at `pack_offset` of
 * the object `pack_key`. No upload ever points into an existing pack, so a
 * pack that no live row points into can go (lib/server/chunks/gc.ts).
 * `chunk_pack_uploads` holds the packs being written: a batch upload adds
 * its pack before storing it and removes it in the transaction that
 * records the pack's rows, so a pack still listed past the upload time
 * bound belongs to a dead upload, has no row, and is deleted.
 */
export const migration0009: Migration = {
  id: 9,
  name: "chunk packs",
  statements: [
    "ALTER TABLE chunks ADD COLUMN pack_key TEXT",       // object key of the pack, 64 hex; null for a standalone object
    "ALTER TABLE chunks ADD COLUMN pack_offset INTEGER", // first byte of the chunk in the pack
    "ALTER TABLE chunks ADD COLUMN pack_length INTEGER", // bytes of the chunk in the pack (its stored size)
    "CREATE INDEX chunks_pack ON chunks (pack_key) WHERE pack_key IS NOT NULL",
    `CREATE TABLE chunk_pack_uploads (
      pack_key TEXT PRIMARY KEY,         -- object key of the pack being written
      vault_id TEXT NOT NULL,
      since INTEGER NOT NULL             -- ms since epoch
    ) STRICT`,
  ],
};
