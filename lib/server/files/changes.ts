/**
 * The change log (S7). The log is the event table; its cursor is the event
 * `seq`. A cursor is refused (410) when the log was cleaned past it
 * (`cursor_expired`) or when it is beyond any seq this database ever gave
 * (`cursor_ahead`: restored from an older backup); cleaning never makes a
 * cursor the server handed out "ahead".
 */
import type { Client } from "@libsql/client";
import type { EventEnvelope, EventMeta } from "../../events/envelope.ts";
import { FILE_VERSION_COMMITTED } from "../../events/schemas/file-version-committed.ts";
import { commandEventSchemas } from "../../events/schemas/machine-commands.ts";
import { TRASH_PURGED } from "../../events/schemas/trash-purged.ts";
import type { Executor } from "../../events/store.ts";
import { HttpError } from "../http/errors.ts";
import { fitting, PAGE_BYTES } from "./page-budget.ts";
import type { Principal } from "../principal.ts";
import { str } from "../../db/row.ts";
import { isPostgres } from "../../db/sql-dialect.ts";

/** One entry of `GET /api/changes`. */
export interface Change {
  seq: number;
  id: string;
  type: string;
  version: number;
  ts: number;
  stream: string;
  /** The operation id of the write (null for events no client operation made). */
  opId: string | null;
  /** The writing machine (null for a dashboard user or the server). */
  machineId: string | null;
  payload: unknown;
  meta: EventMeta;
}

/** The writer fields of a node version's payload; other events carry none. */
function payloadField(type: string, payload: unknown, field: "opId" | "machineId"): string | null {
  if (type !== FILE_VERSION_COMMITTED) return null;
  const value = typeof payload === "object" && payload !== null ? (payload as Record<string, unknown>)[field] : undefined;
  return typeof value === "string" ? value : null;
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
    opId: payloadField(event.type, event.payload, "opId"),
    machineId: payloadField(event.type, event.payload, "machineId"),
    payload: event.payload,
    meta: publicMeta(event.meta),
  };
}

/**
 * Who reads the change log. A machine sees only its vault's events of the
 * types an agent needs ({@link MACHINE_EVENT_TYPES}, and the command events
 * of its own commands); a user also sees the vault's other events
 * (machines, invitations) and the account-level ones of their own account.
 */
export type ChangeReader = { kind: "machine"; vaultId: string; machineId: string } | { kind: "user"; vaultId: string; accountId: string };

/** The vault event types a machine reads from the change log. */
export const MACHINE_EVENT_TYPES: readonly string[] = [FILE_VERSION_COMMITTED, TRASH_PURGED, "VaultKeyUpdated"];

/** The command event types: a machine reads those of its own commands. */
export const COMMAND_EVENT_TYPES: readonly string[] = Object.keys(commandEventSchemas);

/**
 * The change reader of an authenticated caller.
 * @param principal The caller.
 * @returns The reader.
 */
export function changeReaderOf(principal: Principal): ChangeReader {
  return principal.kind === "machine"
    ? { kind: "machine", vaultId: principal.vaultId, machineId: principal.machineId }
    : { kind: "user", vaultId: principal.vaultId, accountId: principal.accountId };
}

/**
 * Whether a reader sees an event: the filter of {@link readerFilter}, on an envelope (the hub's push).
 * @param reader The reader.
 * @param event The event.
 * @returns True when it is served to the reader.
 */
export function visibleTo(reader: ChangeReader, event: Pick<EventEnvelope, "accountId" | "vaultId" | "type" | "payload">): boolean {
  if (reader.kind === "user") return event.vaultId === reader.vaultId || (event.vaultId === null && event.accountId === reader.accountId);
  if (event.vaultId !== reader.vaultId) return false;
  if (MACHINE_EVENT_TYPES.includes(event.type)) return true;
  return COMMAND_EVENT_TYPES.includes(event.type) && (event.payload as { machineId?: unknown } | null)?.machineId === reader.machineId;
}

/** The SQL condition on `events` of what a reader sees. */
function readerFilter(reader: ChangeReader): { sql: string; args: string[] } {
  if (reader.kind === "user") return { sql: "(vault_id = ? OR (vault_id IS NULL AND account_id = ?))", args: [reader.vaultId, reader.accountId] };
  const types = MACHINE_EVENT_TYPES.map(() => "?").join(", ");
  const commands = COMMAND_EVENT_TYPES.map(() => "?").join(", ");
  return {
    sql: `vault_id = ? AND (type IN (${types}) OR (type IN (${commands}) AND json_extract(payload, '$.machineId') = ?))`,
    args: [reader.vaultId, ...MACHINE_EVENT_TYPES, ...COMMAND_EVENT_TYPES, reader.machineId],
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
 * The seq of the vault's last cleaned event (0 when never cleaned): a
 * cursor below it would miss that event.
 * @param db The database.
 * @param vaultId The vault.
 * @returns The watermark.
 */
export async function trimmedThrough(db: Executor, vaultId: string): Promise<number> {
  const result = await db.execute({ sql: "SELECT trimmed_through FROM log_retention WHERE vault_id = ?", args: [vaultId] });
  return Number(result.rows[0]?.trimmed_through ?? 0);
}

/**
 * The highest seq this database ever gave an event: SQLite's AUTOINCREMENT
 * counter (PostgreSQL's identity sequence), which deleting events (log
 * cleaning) never lowers.
 * @param db The database or transaction.
 * @returns The seq, 0 for a fresh database.
 */
export async function logHead(db: Executor): Promise<number> {
  const counter = isPostgres(db)
    ? "pg_sequence_last_value(pg_get_serial_sequence('events', 'seq')::regclass)"
    : "(SELECT seq FROM sqlite_sequence WHERE name = 'events')";
  const result = await db.execute(`SELECT MAX(COALESCE(${counter}, 0), COALESCE((SELECT MAX(seq) FROM events), 0)) AS seq`);
  return Number(result.rows[0]?.seq ?? 0);
}

/**
 * The highest seq a reader's snapshot covers: what a complete page's next
 * cursor may be. On SQLite that is {@link logHead} (its counter is
 * transactional). PostgreSQL's sequence is not: it counts the seqs of
 * writers still in flight, which this snapshot cannot see, and a cursor
 * past them would skip their events for good. There it is the last visible
 * event, or the highest cleaning watermark when that is higher (cleaning
 * removes events, never the watermark).
 * @param db The open read transaction.
 * @returns The seq.
 */
export async function snapshotHead(db: Executor): Promise<number> {
  if (!isPostgres(db)) return logHead(db);
  const result = await db.execute(
    "SELECT MAX(COALESCE((SELECT MAX(seq) FROM events), 0), COALESCE((SELECT MAX(trimmed_through) FROM log_retention), 0)) AS seq",
  );
  return Number(result.rows[0]?.seq ?? 0);
}

/**
 * The vault's head cursor: its last event, or the cleaning watermark when
 * that is higher. A client that starts from it misses nothing and is never
 * told it is ahead.
 * @param db The database or transaction.
 * @param vaultId The vault.
 * @returns The cursor.
 */
export async function vaultHead(db: Executor, vaultId: string): Promise<number> {
  const result = await db.execute({ sql: "SELECT COALESCE(MAX(seq), 0) AS seq FROM events WHERE vault_id = ?", args: [vaultId] });
  return Math.max(Number(result.rows[0]?.seq ?? 0), await trimmedThrough(db, vaultId));
}

/**
 * Refuses a cursor the log cannot continue from: one below an event of
 * this vault that was cleaned (other vaults' cleaning never expires it).
 * @param db The open read transaction.
 * @param vaultId The vault.
 * @param cursor The cursor.
 * @throws HttpError 410 `cursor_expired` or `cursor_ahead`.
 */
export async function checkCursor(db: Executor, vaultId: string, cursor: number): Promise<void> {
  const watermark = await trimmedThrough(db, vaultId);
  if (cursor < watermark) {
    throw new HttpError(410, "cursor_expired", "Cursor too old: the change log was cleaned past it; resync from GET /api/snapshot", {
      oldestCursor: watermark,
    });
  }
  if (cursor > 0) {
    // A cursor past any seq ever given: the database was restored from an
    // older backup, or the cursor is not ours. Following it would skip events.
    const head = await logHead(db);
    if (cursor > head) {
      throw new HttpError(410, "cursor_ahead", "Cursor is ahead of the change log (was the server restored?); resync from GET /api/snapshot", {
        headCursor: head,
      });
    }
  }
}

/**
 * Reads the vault's changes after a cursor, as the reader sees them.
 * @param db The database.
 * @param reader Who reads (machine or user) and the vault.
 * @param since Cursor: changes with a greater seq are returned.
 * @param limit Page size.
 * @param maxBytes The page's byte budget (payloads and metadata; at least one change).
 * @returns The page.
 * @throws HttpError 410 when the cursor is older than the retained log, or ahead of its head.
 */
export async function readChanges(
  db: Client,
  reader: ChangeReader,
  since: number,
  limit: number,
  maxBytes: number = PAGE_BYTES,
): Promise<ChangesPage> {
  const tx = await db.transaction("read");
  try {
    await checkCursor(tx, reader.vaultId, since);
    const filter = readerFilter(reader);
    // Sizes first, then only the events that fit the page's byte budget.
    const sized = await tx.execute({
      sql: `SELECT seq, length(payload) + length(meta) AS n FROM events WHERE seq > ? AND ${filter.sql} ORDER BY seq LIMIT ?`,
      args: [since, ...filter.args, limit + 1],
    });
    const count = fitting(sized.rows.slice(0, limit).map((r) => Number(r.n)), maxBytes);
    const through = Number(sized.rows[count - 1]?.seq ?? since);
    const result =
      count === 0
        ? { rows: [] }
        : await tx.execute({
            sql: `SELECT seq, id, type, version, ts, stream, payload, meta FROM events
                  WHERE seq > ? AND seq <= ? AND ${filter.sql} ORDER BY seq`,
            args: [since, through, ...filter.args],
          });
    const rows = result.rows;
    const changes = rows.map((row): Change => {
      const payload = JSON.parse(str(row.payload)) as unknown;
      return {
        seq: Number(row.seq),
        id: str(row.id),
        type: str(row.type),
        version: Number(row.version),
        ts: Number(row.ts),
        stream: str(row.stream),
        opId: payloadField(str(row.type), payload, "opId"),
        machineId: payloadField(str(row.type), payload, "machineId"),
        payload,
        meta: publicMeta(JSON.parse(str(row.meta)) as EventMeta),
      };
    });
    const hasMore = sized.rows.length > count;
    // A complete page covers every seq this transaction can see: the next
    // cursor is the head of that snapshot, so a quiet vault's cursor keeps up
    // with the log (and stays above other vaults' cleaning), and never passes
    // a commit still in flight.
    const next = hasMore ? (changes.at(-1)?.seq ?? since) : Math.max(since, await snapshotHead(tx));
    return { changes, next, hasMore };
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
