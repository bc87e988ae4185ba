/**
 * Per-connection settings of a local metadata database that are about speed,
 * not safety (S6): SQLite keeps them per connection, and `@libsql/client`
 * opens connections of its own, so they are applied to the first connection
 * at open time and again at the start of every write transaction (on
 * whichever connection it got), where the B-tree work is.
 *
 * - `cache_size`: 64 MiB of page cache instead of SQLite's 2 MiB. The
 *   indexes on random ids (chunk ids, node ids, names) are written all over
 *   at every commit; with 2 MiB most of their pages were read again from the
 *   file and dirty pages spilled to the WAL before the commit (measured on
 *   50,000 files: 2.7 of 2.9 million read and write calls).
 * - `wal_autocheckpoint`: a checkpoint every 32,768 WAL pages (128 MiB)
 *   instead of 1,000. A commit of 1,000 new files dirties about 9,000 pages,
 *   so with the default every commit was followed by a checkpoint copying all
 *   of them; a longer WAL copies an index page once for several commits.
 * - `temp_store = MEMORY`: sorts and temporary B-trees of large statements
 *   stay in memory.
 *
 * None of them changes what a commit guarantees: durability is the
 * connection's `synchronous` level (open.ts).
 */
import type { Client } from "@libsql/client";

/** Page cache per connection, in KiB (a negative `cache_size`). */
export const CACHE_KIB = 64 * 1024;
/** WAL pages between automatic checkpoints. */
export const WAL_AUTOCHECKPOINT_PAGES = 32_768;

/** The settings, as one script (one call, no statement preparation by the client). */
export const TUNING_SQL = `PRAGMA cache_size = -${CACHE_KIB}; PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}; PRAGMA temp_store = MEMORY`;

/**
 * Whether the client is a local SQLite file (a remote libSQL server has its own settings).
 * @param db The client.
 * @returns True for `file:` databases.
 */
export function isLocal(db: Pick<Client, "protocol">): boolean {
  return db.protocol === "file";
}
