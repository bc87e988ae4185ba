import type { Migration } from "../migration.ts";

/**
 * Drops the account-scoped chunk indexes of protocol v1 (S6). Since chunks
 * belong to the vault (migration 0007) every lookup of a chunk row or of a
 * chunk reference goes by (vault, chunk id): `chunks_account` and
 * `version_chunks_chunk` serve no query, yet each chunk row and each chunk
 * reference paid a write into them at a random place (their keys are random
 * ids), about a fifth of the cost of recording a batch of new chunks.
 */
export const migration0010: Migration = {
  id: 10,
  name: "drop account chunk indexes",
  statements: [
    "DROP INDEX IF EXISTS chunks_account",
    "DROP INDEX IF EXISTS version_chunks_chunk",
    "DROP INDEX IF EXISTS cp_version_chunks_chunk",
  ],
};
