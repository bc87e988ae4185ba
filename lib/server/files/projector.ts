/**
 * Applies file events to the projection tables (E3): tree, versions, chunk
 * references (operation ids with the versions), trash and machine statistics. The same code updates the live
 * tables inside a command's transaction, replays the log on a rebuild, and
 * folds trimmed events into the `cp_` checkpoint tables. Idempotent per
 * event: applying one twice leaves the tables as applying it once.
 */
import type { EventEnvelope } from "../../events/envelope.ts";
import type { FileEvent } from "../../events/schemas/index.ts";
import type { FileVersionCommittedV1 } from "../../events/schemas/file-version-committed.ts";
import type { TrashPurgedV1 } from "../../events/schemas/trash-purged.ts";
import type { Executor } from "../../events/store.ts";
import { str } from "../../db/row.ts";

/** Which table set to write: live (`""`) or the retention checkpoint (`"cp_"`). */
export type TablePrefix = "" | "cp_";

/** The stored facts of an event the projector needs besides its payload. */
export type EventFacts = Pick<EventEnvelope, "seq" | "accountId" | "vaultId" | "ts">;

/** The head a node had before an event, when the caller already read it. */
export interface PreviousHead {
  kind: string;
  version: number;
  parentId: string;
  encName: string;
  size: number;
}

/**
 * Per-machine statistic deltas gathered over many events and written once:
 * the same sums as applying them event by event, with fewer statements.
 */
export class StatsAccumulator {
  readonly #rows = new Map<string, { accountId: string; machineId: string; versions: number; deletions: number; bytes: number; ts: number; seq: number }>();

  /**
   * Adds one committed version.
   * @param f The event's facts.
   * @param p The payload.
   */
  add(f: EventFacts, p: FileVersionCommittedV1): void {
    if (p.machineId === null) return;
    const key = `${f.accountId}\u0000${p.machineId}`;
    const row = this.#rows.get(key) ?? { accountId: f.accountId, machineId: p.machineId, versions: 0, deletions: 0, bytes: 0, ts: 0, seq: 0 };
    if (p.kind === "delete") row.deletions++;
    else row.versions++;
    row.bytes += p.size;
    row.ts = f.ts;
    row.seq = f.seq;
    this.#rows.set(key, row);
  }

  /**
   * Writes the gathered deltas.
   * @param tx The open transaction.
   * @param t Table set.
   */
  async flush(tx: Executor, t: TablePrefix = ""): Promise<void> {
    for (const r of this.#rows.values()) await upsertStats(tx, t, r.accountId, r.machineId, [r.versions, r.deletions, r.bytes, r.ts, r.seq]);
    this.#rows.clear();
  }
}

/** Shortcuts a command may give the projector; replay gives none. */
export interface ApplyHints {
  /** The node's head before the event (null: never committed); skips a read. */
  previous?: PreviousHead | null;
  /** Gather statistics here instead of writing them per event. */
  stats?: StatsAccumulator;
}

/**
 * Applies one parsed event.
 * @param tx An open write transaction.
 * @param facts The event's seq, tenancy and time.
 * @param event The parsed event.
 * @param prefix Table set. @default ""
 * @param hints What the caller already knows (previous head, a statistics accumulator).
 * @returns The chunk ids whose references the event removed (GC candidates).
 */
export async function applyFileEvent(
  tx: Executor,
  facts: EventFacts,
  event: FileEvent,
  prefix: TablePrefix = "",
  hints: ApplyHints = {},
): Promise<string[]> {
  if (event.type === "FileVersionCommitted") {
    await applyCommitted(tx, facts, event.payload, prefix, hints);
    return [];
  }
  return applyPurged(tx, facts, event.payload, prefix);
}

async function readPrevious(tx: Executor, t: TablePrefix, vault: string, nodeId: string): Promise<PreviousHead | null> {
  const previous = await tx.execute({
    sql: `SELECT kind, head_version, parent_id, enc_name, size FROM ${t}tree WHERE vault_id = ? AND node_id = ?`,
    args: [vault, nodeId],
  });
  const row = previous.rows[0];
  return row
    ? { kind: str(row.kind), version: Number(row.head_version), parentId: str(row.parent_id), encName: str(row.enc_name), size: Number(row.size) }
    : null;
}

async function upsertStats(tx: Executor, t: TablePrefix, accountId: string, machineId: string, v: [number, number, number, number, number]): Promise<void> {
  await tx.execute({
    sql: `INSERT INTO ${t}machine_stats (account_id, machine_id, versions_committed, deletions_committed, bytes_committed,
            last_commit_at, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (account_id, machine_id) DO UPDATE SET
            versions_committed = ${t}machine_stats.versions_committed + excluded.versions_committed,
            deletions_committed = ${t}machine_stats.deletions_committed + excluded.deletions_committed,
            bytes_committed = ${t}machine_stats.bytes_committed + excluded.bytes_committed,
            last_commit_at = excluded.last_commit_at, last_seq = excluded.last_seq`,
    args: [accountId, machineId, ...v],
  });
}

async function applyCommitted(tx: Executor, f: EventFacts, p: FileVersionCommittedV1, t: TablePrefix, hints: ApplyHints): Promise<void> {
  const vault = f.vaultId ?? "";
  const prev = hints.previous !== undefined ? hints.previous : await readPrevious(tx, t, vault, p.nodeId);
  await tx.execute({
    sql: `INSERT INTO ${t}tree (account_id, vault_id, node_id, parent_id, enc_name, kind, head_version, manifest, size, seq, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (vault_id, node_id) DO UPDATE SET parent_id = excluded.parent_id, enc_name = excluded.enc_name,
            kind = excluded.kind, head_version = excluded.head_version, manifest = excluded.manifest,
            size = excluded.size, seq = excluded.seq, updated_at = excluded.updated_at
          WHERE excluded.head_version >= ${t}tree.head_version`,
    args: [f.accountId, vault, p.nodeId, p.parentId, p.encName, p.kind, p.version, p.manifest, p.size, f.seq, f.ts],
  });
  const inserted = await tx.execute({
    sql: `INSERT OR IGNORE INTO ${t}versions (account_id, vault_id, node_id, version, kind, parent_id, enc_name, manifest, size,
            chunk_count, machine_id, op_id, origin, seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    args: [f.accountId, vault, p.nodeId, p.version, p.kind, p.parentId, p.encName, p.manifest, p.size, p.chunks.length,
      p.machineId, p.opId, JSON.stringify(p.origin), f.seq, f.ts],
  });
  if (inserted.rowsAffected === 0) return; // already applied
  for (let i = 0; i < p.chunks.length; i += 100) {
    const slice = p.chunks.slice(i, i + 100);
    await tx.execute({
      sql: `INSERT INTO ${t}version_chunks (account_id, vault_id, node_id, version, ord, chunk_id) VALUES
            ${slice.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}`,
      args: slice.flatMap((id, j) => [f.accountId, vault, p.nodeId, p.version, i + j, id]),
    });
  }
  if (p.kind === "delete" && prev && prev.kind !== "delete") {
    await tx.execute({
      sql: `INSERT OR IGNORE INTO ${t}trash (account_id, vault_id, node_id, deleted_version, live_version, parent_id, enc_name, kind,
              size, deleted_at, deleted_by, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [f.accountId, vault, p.nodeId, p.version, prev.version, prev.parentId, prev.encName, prev.kind, prev.size, f.ts, p.machineId, f.seq],
    });
  }
  if (p.origin.type === "trash-restore") {
    await tx.execute({
      sql: `DELETE FROM ${t}trash WHERE vault_id = ? AND node_id = ? AND deleted_version = ?`,
      args: [vault, p.nodeId, p.origin.deletedVersion],
    });
  }
  if (hints.stats) hints.stats.add(f, p);
  else if (p.machineId !== null) {
    const deletion = p.kind === "delete" ? 1 : 0;
    await upsertStats(tx, t, f.accountId, p.machineId, [1 - deletion, deletion, p.size, f.ts, f.seq]);
  }
}

/**
 * The nodes below a folder, at any depth, in the live tree.
 * @param tx The open transaction.
 * @param vault The vault.
 * @param nodeId The folder.
 * @returns Their node ids (not the folder's), sorted.
 */
export async function descendants(tx: Executor, vault: string, nodeId: string): Promise<string[]> {
  const rows = await tx.execute({
    sql: `WITH RECURSIVE down(id) AS (SELECT CAST(? AS TEXT) COLLATE BINARY UNION SELECT c.node_id FROM tree c JOIN down ON c.vault_id = ? AND c.parent_id = down.id)
          SELECT id FROM down WHERE id <> ? ORDER BY id`,
    args: [nodeId, vault, nodeId],
  });
  return rows.rows.map((r) => str(r.id));
}

async function applyPurged(tx: Executor, f: EventFacts, p: TrashPurgedV1, t: TablePrefix): Promise<string[]> {
  const vault = f.vaultId ?? "";
  const where = "vault_id = ? AND node_id = ? AND version < ?";
  const args = [vault, p.nodeId, p.deletedVersion];
  const freed = new Set<string>();
  const chunks = await tx.execute({ sql: `SELECT DISTINCT chunk_id FROM ${t}version_chunks WHERE ${where}`, args });
  for (const r of chunks.rows) freed.add(str(r.chunk_id));
  await tx.execute({ sql: `DELETE FROM ${t}version_chunks WHERE ${where}`, args });
  await tx.execute({ sql: `DELETE FROM ${t}versions WHERE ${where}`, args });
  await tx.execute({ sql: `DELETE FROM ${t}trash WHERE vault_id = ? AND node_id = ? AND deleted_version <= ?`, args });
  // A folder's entry takes its whole subtree: exactly the nodes the event names (found from the
  // live tree at purge time; a checkpoint's older tree may place other nodes below the folder).
  const below = p.below;
  for (let i = 0; i < below.length; i += 500) {
    const slice = below.slice(i, i + 500);
    const inList = `vault_id = ? AND node_id IN (${slice.map(() => "?").join(", ")})`;
    const sliceArgs = [vault, ...slice];
    const refs = await tx.execute({ sql: `SELECT DISTINCT chunk_id FROM ${t}version_chunks WHERE ${inList}`, args: sliceArgs });
    for (const r of refs.rows) freed.add(str(r.chunk_id));
    for (const table of ["version_chunks", "versions", "trash", "tree"]) {
      await tx.execute({ sql: `DELETE FROM ${t}${table} WHERE ${inList}`, args: sliceArgs });
    }
    // Their ids stay taken: their events are still in the log.
    await tx.execute({
      sql: `INSERT OR IGNORE INTO ${t}purged_nodes (account_id, vault_id, node_id, seq) VALUES ${slice.map(() => "(?, ?, ?, ?)").join(", ")}`,
      args: slice.flatMap((id) => [f.accountId, vault, id, f.seq]),
    });
  }
  return [...freed];
}
