import type { Migration } from "../migration.ts";

/**
 * Protocol v2 tables of chunks, commands to agents and agent reports:
 * - `chunk_uploads`: the claim an upload takes on a (vault, chunk id) while
 *   it stores the bytes, so across server processes the first bytes of an id
 *   win (S6); a claim older than the upload time bound is stale and taken over.
 * - `machine_commands`: the projection of MachineCommandIssued /
 *   MachineCommandAcknowledged / MachineCommandExpired (W9, A19); delivery
 *   to a socket is not an event, it is the `delivered_at` column.
 * - `report_ids`: report ids already applied, per machine (A14 dedup).
 * - `conflicts`: conflicts agents reported, open until resolved (A8, W10).
 * - `activity`: agent reports kept for the activity history (W8), paged.
 * - `machine_cursors`: the change-log cursor each agent last reported.
 * - indexes of chunk references by (vault, chunk id), which chunk GC reads.
 */
export const migration0007: Migration = {
  id: 7,
  name: "chunks, commands and reports",
  statements: [
    `CREATE TABLE chunk_uploads (
      vault_id TEXT NOT NULL,
      id TEXT NOT NULL,                  -- chunk id
      claim TEXT NOT NULL,               -- random id of the claiming upload
      since INTEGER NOT NULL,            -- ms since epoch
      PRIMARY KEY (vault_id, id)
    ) STRICT`,
    // Chunk GC looks references up by (vault, chunk id) since chunks belong to the vault.
    "CREATE INDEX version_chunks_vault_chunk ON version_chunks (vault_id, chunk_id)",
    "CREATE INDEX cp_version_chunks_vault_chunk ON cp_version_chunks (vault_id, chunk_id)",
    `CREATE TABLE machine_commands (
      id TEXT PRIMARY KEY,               -- command id (random, 32 hex)
      account_id TEXT NOT NULL,
      vault_id TEXT NOT NULL,
      machine_id TEXT NOT NULL,
      kind TEXT NOT NULL,                -- sync_now | pause | resume
      state TEXT NOT NULL,               -- pending | acknowledged | expired
      issued_at INTEGER NOT NULL,
      issued_by TEXT NOT NULL,           -- actor label (user:… or machine:…)
      expires_at INTEGER NOT NULL,
      delivered_at INTEGER,              -- first push to one of the machine's sockets
      acked_at INTEGER,
      ok INTEGER,                        -- 1 / 0 once acknowledged
      message TEXT,
      seq INTEGER NOT NULL               -- event that set the state
    ) STRICT`,
    "CREATE INDEX machine_commands_machine ON machine_commands (machine_id, state, issued_at)",
    `CREATE TABLE report_ids (
      machine_id TEXT NOT NULL,
      report_id TEXT NOT NULL,
      received_at INTEGER NOT NULL,
      PRIMARY KEY (machine_id, report_id)
    ) STRICT`,
    "CREATE INDEX report_ids_received ON report_ids (received_at)",
    `CREATE TABLE conflicts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      account_id TEXT NOT NULL,
      vault_id TEXT NOT NULL,
      machine_id TEXT NOT NULL,
      node_id TEXT NOT NULL,             -- opaque node id (32 hex)
      report_id TEXT,
      agent_ts INTEGER,                  -- the agent's clock
      ts INTEGER NOT NULL,               -- the server's clock
      state TEXT NOT NULL,               -- open | resolved
      resolved_at INTEGER
    ) STRICT`,
    "CREATE INDEX conflicts_vault ON conflicts (vault_id, state, id)",
    `CREATE TABLE activity (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      account_id TEXT NOT NULL,
      vault_id TEXT NOT NULL,
      machine_id TEXT NOT NULL,
      type TEXT NOT NULL,                -- report type
      report_id TEXT,
      agent_ts INTEGER,
      ts INTEGER NOT NULL,
      report TEXT NOT NULL               -- JSON, validated by lib/server/ws/reports.ts
    ) STRICT`,
    "CREATE INDEX activity_vault ON activity (vault_id, seq)",
    "CREATE INDEX activity_ts ON activity (ts)",
    `CREATE TABLE machine_cursors (
      machine_id TEXT PRIMARY KEY,
      vault_id TEXT NOT NULL,
      cursor INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT`,
  ],
};
