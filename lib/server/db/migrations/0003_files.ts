import type { Migration } from "../migration.ts";

/**
 * The projection tables fed by file events (E3), created twice: live (no
 * prefix) and as the retention checkpoint (`cp_`), which holds the state the
 * trimmed part of the log had built, so a rebuild after cleaning the log
 * starts from it (S7).
 * @param p Table-name prefix.
 * @returns CREATE statements.
 */
export function projectionTablesDdl(p: "" | "cp_"): string[] {
  return [
    // The tree of nodes: one row per node id with its head version. A node
    // is live when it and every ancestor up to the root (the reserved node
    // 000…0, which has no row) is not a tombstone: a folder's deletion is
    // one row's change, its descendants keep theirs. Moving or renaming a
    // node changes its own row only. The server never sees a name, only
    // enc_name; two live children of one folder never share one.
    `CREATE TABLE ${p}tree (
      account_id TEXT NOT NULL,
      vault_id TEXT NOT NULL,
      node_id TEXT NOT NULL,          -- 32 hex, chosen by the client
      parent_id TEXT NOT NULL,        -- node id of the folder (the root is 000…0)
      enc_name TEXT NOT NULL,         -- base64url, encrypted by the client (a tombstone keeps its last)
      kind TEXT NOT NULL,             -- file | dir | delete
      head_version INTEGER NOT NULL,
      manifest TEXT NOT NULL,         -- base64url, opaque encrypted manifest
      size INTEGER NOT NULL,          -- stored (ciphertext) bytes of its chunks
      seq INTEGER NOT NULL,           -- event that set this head
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (vault_id, node_id)
    ) STRICT`,
    // Children of a folder, and the live-name check (parent, name).
    `CREATE INDEX ${p}tree_parent_name ON ${p}tree (vault_id, parent_id, enc_name)`,
    // Version history per node: it follows the node across renames and moves.
    `CREATE TABLE ${p}versions (
      account_id TEXT NOT NULL,
      vault_id TEXT NOT NULL,
      node_id TEXT NOT NULL,
      version INTEGER NOT NULL,
      kind TEXT NOT NULL,
      parent_id TEXT NOT NULL,
      enc_name TEXT NOT NULL,
      manifest TEXT NOT NULL,
      size INTEGER NOT NULL,
      chunk_count INTEGER NOT NULL,
      machine_id TEXT,                -- null when committed from the dashboard
      op_id TEXT NOT NULL,            -- the client's operation id
      origin TEXT NOT NULL,           -- JSON: how the version came to be
      seq INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (vault_id, node_id, version)
    ) STRICT`,
    // Idempotent writes: a retried operation finds the version it recorded.
    // Kept as long as the version (at least as long as the change log).
    ...(p === "" ? ["CREATE UNIQUE INDEX versions_op ON versions (vault_id, op_id)"] : []),
    // Chunk references: one row per chunk position of a version. A chunk id
    // with no row here (in either table set) is unreferenced.
    `CREATE TABLE ${p}version_chunks (
      account_id TEXT NOT NULL,
      vault_id TEXT NOT NULL,
      node_id TEXT NOT NULL,
      version INTEGER NOT NULL,
      ord INTEGER NOT NULL,
      chunk_id TEXT NOT NULL,
      PRIMARY KEY (vault_id, node_id, version, ord)
    ) STRICT`,
    `CREATE INDEX ${p}version_chunks_chunk ON ${p}version_chunks (account_id, chunk_id)`,
    // S5: one row per deletion still restorable. A folder's deletion is one
    // entry: restoring it brings its subtree back.
    `CREATE TABLE ${p}trash (
      account_id TEXT NOT NULL,
      vault_id TEXT NOT NULL,
      node_id TEXT NOT NULL,
      deleted_version INTEGER NOT NULL, -- the tombstone's version
      live_version INTEGER NOT NULL,    -- the version it deleted
      parent_id TEXT NOT NULL,
      enc_name TEXT NOT NULL,
      kind TEXT NOT NULL,               -- kind of the deleted version
      size INTEGER NOT NULL,
      deleted_at INTEGER NOT NULL,
      deleted_by TEXT,                  -- machine id
      seq INTEGER NOT NULL,
      PRIMARY KEY (vault_id, node_id, deleted_version)
    ) STRICT`,
    `CREATE INDEX ${p}trash_deleted_at ON ${p}trash (deleted_at)`,
    `CREATE INDEX ${p}trash_vault_page ON ${p}trash (vault_id, deleted_at, node_id, deleted_version)`,
    // S5: nodes a folder's purge erased (every row below the folder goes):
    // their ids are never committed again, since their events stay in the
    // log (a base-version-0 item would collide with its stream).
    `CREATE TABLE ${p}purged_nodes (
      account_id TEXT NOT NULL,
      vault_id TEXT NOT NULL,
      node_id TEXT NOT NULL,
      seq INTEGER NOT NULL,           -- the TrashPurged event
      PRIMARY KEY (vault_id, node_id)
    ) STRICT`,
    // S10: per-machine statistics.
    `CREATE TABLE ${p}machine_stats (
      account_id TEXT NOT NULL,
      machine_id TEXT NOT NULL,
      versions_committed INTEGER NOT NULL,
      deletions_committed INTEGER NOT NULL,
      bytes_committed INTEGER NOT NULL,
      last_commit_at INTEGER NOT NULL,
      last_seq INTEGER NOT NULL,
      PRIMARY KEY (account_id, machine_id)
    ) STRICT`,
  ];
}

/** Files, versions, trash, chunks, statistics, retention and dead letters. */
export const migration0003: Migration = {
  id: 3,
  name: "files",
  statements: [
    ...projectionTablesDdl(""),
    ...projectionTablesDdl("cp_"),
    // Stored chunks (not an event projection: uploads are not events). A row
    // is written only after the store holds the bytes, so a row means present.
    // Chunks belong to the vault (v2): keyed (vault_id, id); account_id is the
    // uploader's account (tenancy column), never part of a lookup's scope.
    `CREATE TABLE chunks (
      vault_id TEXT NOT NULL,
      id TEXT NOT NULL,               -- chunk id, 64 hex
      account_id TEXT NOT NULL,
      size INTEGER NOT NULL,          -- stored length
      sha256 TEXT NOT NULL,           -- SHA-256 of the stored bytes
      created_at INTEGER NOT NULL,
      uploaded_at INTEGER NOT NULL,   -- last upload of the id (a re-upload refreshes the orphan grace period)
      machine_id TEXT,
      PRIMARY KEY (vault_id, id)
    ) STRICT`,
    "CREATE INDEX chunks_account ON chunks (account_id, id)",
    "CREATE INDEX chunks_uploaded ON chunks (uploaded_at)",
    // Idempotent writes past a purge (S4): the operation ids of the versions
    // a purge erased, kept until log cleaning passes their seq, so a retry
    // still answers its first result. Not a projection: written by the purge
    // command (like chunks), untouched by a rebuild.
    `CREATE TABLE op_ids (
      vault_id TEXT NOT NULL,
      op_id TEXT NOT NULL,
      account_id TEXT NOT NULL,
      node_id TEXT NOT NULL,
      version INTEGER NOT NULL,
      seq INTEGER NOT NULL,           -- the event that recorded the version
      kind TEXT NOT NULL,             -- the version's fields a retry is compared with
      parent_id TEXT NOT NULL,
      enc_name TEXT NOT NULL,
      manifest TEXT NOT NULL,
      origin TEXT NOT NULL,
      PRIMARY KEY (vault_id, op_id)
    ) STRICT`,
    "CREATE INDEX op_ids_seq ON op_ids (vault_id, seq)",
    // S7: this vault's file events up to trimmed_through (the seq of the
    // last one cleaned) have been cleaned; their effect lives on in the cp_
    // tables. Per vault: cleaning one vault never expires another's cursors.
    `CREATE TABLE log_retention (
      vault_id TEXT PRIMARY KEY,
      account_id TEXT NOT NULL,
      trimmed_through INTEGER NOT NULL,
      trimmed_at INTEGER NOT NULL
    ) STRICT`,
    // E4: events a projection or handler could not apply.
    `CREATE TABLE dead_letters (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      event_seq INTEGER NOT NULL,
      event_id TEXT NOT NULL,
      account_id TEXT NOT NULL,
      type TEXT NOT NULL,
      version INTEGER NOT NULL,
      handler TEXT NOT NULL,
      error TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      UNIQUE (event_seq, handler)
    ) STRICT`,
    "CREATE INDEX events_ts ON events (ts)",
  ],
};
