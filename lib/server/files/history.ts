/**
 * Reading version history (S8) and the trash (S5).
 */
import type { Executor } from "../../events/store.ts";
import { str, strOrNull } from "../../db/row.ts";

/** One version of a path, as listed. */
export interface VersionEntry {
  version: number;
  kind: string;
  encName: string;
  parentId: string;
  manifest: string;
  size: number;
  chunks: string[];
  machineId: string | null;
  origin: unknown;
  seq: number;
  createdAt: number;
}

/**
 * Lists a path's versions, newest first.
 * @param db The database.
 * @param vaultId The vault.
 * @param pathId The path.
 * @returns The versions (empty when the path is unknown).
 */
export async function listVersions(db: Executor, vaultId: string, pathId: string): Promise<VersionEntry[]> {
  const rows = await db.execute({
    sql: `SELECT version, kind, enc_name, parent_id, manifest, size, machine_id, origin, seq, created_at FROM versions
          WHERE vault_id = ? AND path_id = ? ORDER BY version DESC`,
    args: [vaultId, pathId],
  });
  const chunks = await db.execute({
    sql: "SELECT version, chunk_id FROM version_chunks WHERE vault_id = ? AND path_id = ? ORDER BY version, ord",
    args: [vaultId, pathId],
  });
  const byVersion = new Map<number, string[]>();
  for (const row of chunks.rows) {
    const v = Number(row.version);
    const list = byVersion.get(v) ?? [];
    list.push(str(row.chunk_id));
    byVersion.set(v, list);
  }
  return rows.rows.map((r) => ({
    version: Number(r.version),
    kind: str(r.kind),
    encName: str(r.enc_name),
    parentId: str(r.parent_id),
    manifest: str(r.manifest),
    size: Number(r.size),
    chunks: byVersion.get(Number(r.version)) ?? [],
    machineId: strOrNull(r.machine_id),
    origin: JSON.parse(str(r.origin)) as unknown,
    seq: Number(r.seq),
    createdAt: Number(r.created_at),
  }));
}

/** One restorable deletion. */
export interface TrashEntry {
  pathId: string;
  deletedVersion: number;
  liveVersion: number;
  parentId: string;
  encName: string;
  kind: string;
  size: number;
  deletedAt: number;
  deletedBy: string | null;
  /** Whether the original path is free (its head is still a tombstone). */
  pathFree: boolean;
}

/**
 * Lists a vault's trash, most recent deletion first.
 * @param db The database.
 * @param vaultId The vault.
 * @param page `before` (a deletedAt, exclusive) and `limit`.
 * @returns The entries.
 */
export async function listTrash(db: Executor, vaultId: string, page: { limit: number; before?: number }): Promise<TrashEntry[]> {
  const rows = await db.execute({
    sql: `SELECT t.path_id, t.deleted_version, t.live_version, t.parent_id, t.enc_name, t.kind, t.size, t.deleted_at, t.deleted_by,
            tr.kind AS head_kind
          FROM trash t LEFT JOIN tree tr ON tr.vault_id = t.vault_id AND tr.path_id = t.path_id
          WHERE t.vault_id = ? AND t.deleted_at < ? ORDER BY t.deleted_at DESC, t.path_id LIMIT ?`,
    args: [vaultId, page.before ?? Number.MAX_SAFE_INTEGER, page.limit],
  });
  return rows.rows.map((r) => ({
    pathId: str(r.path_id),
    deletedVersion: Number(r.deleted_version),
    liveVersion: Number(r.live_version),
    parentId: str(r.parent_id),
    encName: str(r.enc_name),
    kind: str(r.kind),
    size: Number(r.size),
    deletedAt: Number(r.deleted_at),
    deletedBy: strOrNull(r.deleted_by),
    pathFree: str(r.head_kind) === "delete",
  }));
}

/**
 * Reads one version's row and chunks.
 * @param db The database.
 * @param vaultId The vault.
 * @param pathId The path.
 * @param version The version.
 * @returns The version, or null.
 */
export async function readVersion(db: Executor, vaultId: string, pathId: string, version: number): Promise<VersionEntry | null> {
  const all = await listVersions(db, vaultId, pathId);
  return all.find((v) => v.version === version) ?? null;
}
