/**
 * The change log (S7) and the snapshot that a too-old cursor resyncs from.
 * The log is the event table; its cursor is the event `seq`.
 */
import type { Client } from "@libsql/client";
import type { EventEnvelope, EventMeta } from "../../events/envelope.ts";
import type { Executor } from "../../events/store.ts";
import { HttpError } from "../http/errors.ts";
import { str } from "../../db/row.ts";

/** One entry of `GET /api/changes`. */
export interface Change {
  seq: number;
  id: string;
  type: string;
  version: number;
  ts: number;
  stream: string;
  payload: unknown;
  meta: EventMeta;
}

/**
 * An event in the shape `GET /api/changes` and `/ws/changes` serve: no
 * account, vault or stream version, and only the public metadata.
 * @param event The stored event.
 * @returns The change.
 */
export function publicChange(event: EventEnvelope): Change {
  return {
    seq: event.seq,
    id: event.id,
    type: event.type,
    version: event.version,
    ts: event.ts,
    stream: event.stream,
    payload: event.payload,
    meta: publicMeta(event.meta),
  };
}

/** A page of the change log. */
export interface ChangesPage {
  changes: Change[];
  /** Cursor to pass as `since` next time. */
  next: number;
  hasMore: boolean;
}

/**
 * The highest seq the account's log was cleaned through (0 when never).
 * @param db The database.
 * @param accountId The account.
 * @returns The watermark.
 */
export async function trimmedThrough(db: Executor, accountId: string): Promise<number> {
  const result = await db.execute({ sql: "SELECT trimmed_through FROM log_retention WHERE account_id = ?", args: [accountId] });
  return Number(result.rows[0]?.trimmed_through ?? 0);
}

/**
 * Reads the vault's changes after a cursor.
 * @param db The database.
 * @param scope Account and vault.
 * @param since Cursor: changes with a greater seq are returned.
 * @param limit Page size.
 * @returns The page.
 * @throws HttpError 410 when the cursor is older than the retained log, or ahead of its head.
 */
export async function readChanges(
  db: Client,
  scope: { accountId: string; vaultId: string },
  since: number,
  limit: number,
): Promise<ChangesPage> {
  const tx = await db.transaction("read");
  try {
    const watermark = await trimmedThrough(tx, scope.accountId);
    if (since < watermark) {
      throw new HttpError(410, "cursor_expired", "Cursor too old: the change log was cleaned past it; resync from GET /api/snapshot", {
        oldestCursor: watermark,
      });
    }
    if (since > 0) {
      // A cursor past the head: the database was restored from an older
      // backup, or the cursor is not ours. Following it would skip events.
      const head = await tx.execute("SELECT COALESCE(MAX(seq), 0) AS seq FROM events");
      const last = Number(head.rows[0]?.seq ?? 0);
      if (since > last) {
        throw new HttpError(410, "cursor_ahead", "Cursor is ahead of the change log (was the server restored?); resync from GET /api/snapshot", {
          headCursor: last,
        });
      }
    }
    const result = await tx.execute({
      sql: `SELECT seq, id, type, version, ts, stream, payload, meta FROM events
            WHERE account_id = ? AND seq > ? AND (vault_id = ? OR vault_id IS NULL) ORDER BY seq LIMIT ?`,
      args: [scope.accountId, since, scope.vaultId, limit + 1],
    });
    const rows = result.rows.slice(0, limit);
    const changes = rows.map((row) => ({
      seq: Number(row.seq),
      id: str(row.id),
      type: str(row.type),
      version: Number(row.version),
      ts: Number(row.ts),
      stream: str(row.stream),
      payload: JSON.parse(str(row.payload)) as unknown,
      meta: publicMeta(JSON.parse(str(row.meta)) as EventMeta),
    }));
    return { changes, next: changes.at(-1)?.seq ?? since, hasMore: result.rows.length > limit };
  } finally {
    tx.close();
  }
}

/**
 * The metadata a client may see: actor, correlation and causation ids,
 * never the request id.
 * @param meta The stored metadata.
 * @returns The public part.
 */
export function publicMeta(meta: EventMeta): EventMeta {
  const out: EventMeta = {};
  if (meta.actor) out.actor = meta.actor;
  if (meta.correlationId) out.correlationId = meta.correlationId;
  if (meta.causationId) out.causationId = meta.causationId;
  return out;
}

/** One path of a snapshot. */
export interface SnapshotItem {
  pathId: string;
  parentId: string;
  encName: string;
  kind: string;
  version: number;
  manifest: string;
  size: number;
  chunks: string[];
}

/** A page of the snapshot. */
export interface SnapshotPage {
  /** The log position this page is consistent with; resume changes from the first page's cursor. */
  cursor: number;
  items: SnapshotItem[];
  /** Pass as `after` for the next page. */
  nextAfter: string | null;
  hasMore: boolean;
}

/**
 * Reads a page of the vault's current heads (tombstones included), ordered by path id.
 * @param db The database.
 * @param scope Account and vault.
 * @param after Return paths with a greater id ('' for the first page).
 * @param limit Page size.
 * @returns The page.
 */
export async function readSnapshot(
  db: Client,
  scope: { accountId: string; vaultId: string },
  after: string,
  limit: number,
): Promise<SnapshotPage> {
  const tx = await db.transaction("read");
  try {
    const cursorRow = await tx.execute({ sql: "SELECT COALESCE(MAX(seq), 0) AS seq FROM events WHERE account_id = ?", args: [scope.accountId] });
    const watermark = await trimmedThrough(tx, scope.accountId);
    const cursor = Math.max(Number(cursorRow.rows[0]?.seq ?? 0), watermark);
    const result = await tx.execute({
      sql: `SELECT path_id, parent_id, enc_name, kind, head_version, manifest, size FROM tree
            WHERE vault_id = ? AND path_id > ? ORDER BY path_id LIMIT ?`,
      args: [scope.vaultId, after, limit + 1],
    });
    const rows = result.rows.slice(0, limit);
    const items: SnapshotItem[] = rows.map((r) => ({
      pathId: str(r.path_id),
      parentId: str(r.parent_id),
      encName: str(r.enc_name),
      kind: str(r.kind),
      version: Number(r.head_version),
      manifest: str(r.manifest),
      size: Number(r.size),
      chunks: [],
    }));
    if (items.length > 0) {
      const chunks = await tx.execute({
        sql: `SELECT vc.path_id, vc.chunk_id FROM version_chunks vc JOIN tree t
                ON t.vault_id = vc.vault_id AND t.path_id = vc.path_id AND t.head_version = vc.version
              WHERE vc.vault_id = ? AND vc.path_id >= ? AND vc.path_id <= ? ORDER BY vc.path_id, vc.ord`,
        args: [scope.vaultId, items[0]?.pathId ?? "", items.at(-1)?.pathId ?? ""],
      });
      const byPath = new Map(items.map((i) => [i.pathId, i]));
      for (const row of chunks.rows) byPath.get(str(row.path_id))?.chunks.push(str(row.chunk_id));
    }
    const hasMore = result.rows.length > limit;
    return { cursor, items, nextAfter: hasMore ? (items.at(-1)?.pathId ?? null) : null, hasMore };
  } finally {
    tx.close();
  }
}
