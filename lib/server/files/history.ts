/**
 * Reading version history (S8) and the trash (S5), both paged.
 */
import { CHUNK_ID_BYTES, fitting, PAGE_BYTES } from "./page-budget.ts";
import type { Executor } from "../../events/store.ts";
import { str, strOrNull } from "../../db/row.ts";
import { checkPlace } from "./check-item.ts";
import { NodeView } from "./node-view.ts";
import { encodeTrashCursor, type TrashCursor } from "./trash-cursor.ts";

/** One version of a node, as listed. */
export interface VersionEntry {
  version: number;
  kind: string;
  encName: string;
  parentId: string;
  manifest: string;
  size: number;
  chunks: string[];
  machineId: string | null;
  opId: string;
  origin: unknown;
  seq: number;
  createdAt: number;
}

/** A page of a node's history. */
export interface VersionsPage {
  versions: VersionEntry[];
  /** Pass as `before` for the next (older) page; null at the first version. */
  nextBefore: number | null;
}

/**
 * Lists a node's versions, newest first: the history follows the node across renames and moves.
 * @param db The database.
 * @param vaultId The vault.
 * @param nodeId The node.
 * @param page Versions below `before` (exclusive), at most `limit`.
 * @param maxBytes The page's byte budget (manifests, names, origins, chunk ids; at least one version).
 * @returns The page (empty when the node is unknown).
 */
export async function listVersions(
  db: Executor,
  vaultId: string,
  nodeId: string,
  page: { before?: number | undefined; limit: number },
  maxBytes: number = PAGE_BYTES,
): Promise<VersionsPage> {
  const before = page.before ?? Number.MAX_SAFE_INTEGER;
  // Sizes first, then only the versions that fit the page's byte budget.
  const sized = await db.execute({
    sql: `SELECT version, length(manifest) + length(enc_name) + length(origin) + ${CHUNK_ID_BYTES} * chunk_count AS n FROM versions
          WHERE vault_id = ? AND node_id = ? AND version < ? ORDER BY version DESC LIMIT ?`,
    args: [vaultId, nodeId, before, page.limit + 1],
  });
  const count = fitting(sized.rows.slice(0, page.limit).map((r) => Number(r.n)), maxBytes);
  const lowest = Number(sized.rows[count - 1]?.version ?? 0);
  const listed =
    count === 0
      ? []
      : (
          await db.execute({
            sql: `SELECT version, kind, enc_name, parent_id, manifest, size, machine_id, op_id, origin, seq, created_at FROM versions
                  WHERE vault_id = ? AND node_id = ? AND version < ? AND version >= ? ORDER BY version DESC`,
            args: [vaultId, nodeId, before, lowest],
          })
        ).rows;
  const chunks = await db.execute({
    sql: "SELECT version, chunk_id FROM version_chunks WHERE vault_id = ? AND node_id = ? AND version >= ? AND version < ? ORDER BY version, ord",
    args: [vaultId, nodeId, lowest, before],
  });
  const byVersion = new Map<number, string[]>();
  for (const row of chunks.rows) {
    const v = Number(row.version);
    const list = byVersion.get(v) ?? [];
    list.push(str(row.chunk_id));
    byVersion.set(v, list);
  }
  const versions = listed.map((r) => ({
    version: Number(r.version),
    kind: str(r.kind),
    encName: str(r.enc_name),
    parentId: str(r.parent_id),
    manifest: str(r.manifest),
    size: Number(r.size),
    chunks: byVersion.get(Number(r.version)) ?? [],
    machineId: strOrNull(r.machine_id),
    opId: str(r.op_id),
    origin: JSON.parse(str(r.origin)) as unknown,
    seq: Number(r.seq),
    createdAt: Number(r.created_at),
  }));
  return { versions, nextBefore: sized.rows.length > count ? lowest : null };
}

/**
 * Reads one version's row and chunks.
 * @param db The database.
 * @param vaultId The vault.
 * @param nodeId The node.
 * @param version The version.
 * @returns The version, or null.
 */
export async function readVersion(db: Executor, vaultId: string, nodeId: string, version: number): Promise<VersionEntry | null> {
  const page = await listVersions(db, vaultId, nodeId, { before: version + 1, limit: 1 });
  const found = page.versions[0];
  return found?.version === version ? found : null;
}

/** One restorable deletion. */
export interface TrashEntry {
  nodeId: string;
  deletedVersion: number;
  liveVersion: number;
  parentId: string;
  encName: string;
  kind: string;
  size: number;
  deletedAt: number;
  deletedBy: string | null;
  /** Where a restore would go now: the original place, or (taken, or its folder gone) an alternative. */
  restoresTo: "original" | "alternative";
}

/** A page of the trash. */
export interface TrashPage {
  items: TrashEntry[];
  /** Opaque: pass as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

/**
 * Lists a vault's trash, most recent deletion first, paged by (deleted_at, node id, version).
 * @param db The database.
 * @param vaultId The vault.
 * @param page `limit` and where the previous page ended.
 * @returns The page.
 */
export async function listTrash(db: Executor, vaultId: string, page: { limit: number; after?: TrashCursor | undefined }): Promise<TrashPage> {
  const after = page.after;
  const rows = await db.execute({
    sql: `SELECT node_id, deleted_version, live_version, parent_id, enc_name, kind, size, deleted_at, deleted_by FROM trash
          WHERE vault_id = ? ${after ? "AND (deleted_at < ? OR (deleted_at = ? AND (node_id, deleted_version) > (?, ?)))" : ""}
          ORDER BY deleted_at DESC, node_id, deleted_version LIMIT ?`,
    args: after ? [vaultId, after.deletedAt, after.deletedAt, after.nodeId, after.deletedVersion, page.limit + 1] : [vaultId, page.limit + 1],
  });
  const listed = rows.rows.slice(0, page.limit);
  const view = await NodeView.load(db, vaultId, {
    nodeIds: listed.flatMap((r) => [str(r.node_id), str(r.parent_id)]),
    names: listed.map((r) => [str(r.parent_id), str(r.enc_name)] as const),
    opIds: [],
  });
  const items = listed.map((r): TrashEntry => {
    const nodeId = str(r.node_id);
    const place = checkPlace(view, nodeId, str(r.parent_id), str(r.enc_name), true);
    return {
      nodeId,
      deletedVersion: Number(r.deleted_version),
      liveVersion: Number(r.live_version),
      parentId: str(r.parent_id),
      encName: str(r.enc_name),
      kind: str(r.kind),
      size: Number(r.size),
      deletedAt: Number(r.deleted_at),
      deletedBy: strOrNull(r.deleted_by),
      restoresTo: place ? "alternative" : "original",
    };
  });
  const last = items.at(-1);
  const more = rows.rows.length > page.limit && last !== undefined;
  return { items, nextCursor: more ? encodeTrashCursor({ deletedAt: last.deletedAt, nodeId: last.nodeId, deletedVersion: last.deletedVersion }) : null };
}
