import type { Client, InStatement, Row, Transaction } from "@libsql/client";
import { str, strOrNull } from "../db/row.ts";
import type { EventEnvelope, NewEvent } from "./envelope.ts";

/** Something that can run SQL: the client or an open transaction. */
export type Executor = Pick<Client, "execute"> | Pick<Transaction, "execute">;

/** Thrown when an event's stream version is already taken (a concurrent writer won). */
export class StreamConflictError extends Error {
  override name = "StreamConflictError";
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Appends one event inside the caller's transaction, so the event and the
 * projections the caller updates commit together (E5, transactional outbox).
 * @param tx An open write transaction.
 * @param event The event; `id` and `ts` default to a random id and now.
 * @returns The stored envelope with its `seq`.
 * @throws StreamConflictError when `(stream, streamVersion)` exists.
 */
export async function appendEvent<P>(tx: Executor, event: NewEvent<P>): Promise<EventEnvelope<P>> {
  const id = event.id ?? randomId();
  const ts = event.ts ?? Date.now();
  const statement: InStatement = {
    sql: `INSERT INTO events (id, account_id, vault_id, stream, stream_version, type, version, ts, payload, meta)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
    args: [
      id,
      event.accountId,
      event.vaultId,
      event.stream,
      event.streamVersion,
      event.type,
      event.version,
      ts,
      JSON.stringify(event.payload),
      JSON.stringify(event.meta),
    ],
  };
  try {
    const result = await tx.execute(statement);
    const seq = Number(result.rows[0]?.seq);
    return { ...event, id, ts, seq };
  } catch (error) {
    if (/UNIQUE constraint failed: events\.stream/.test((error as Error).message)) {
      throw new StreamConflictError(`Stream ${event.stream} already has version ${event.streamVersion}`);
    }
    throw error;
  }
}

/**
 * Turns a row of the `events` table into an envelope.
 * @param row A row with every column of `events`.
 * @returns The envelope, payload and meta parsed.
 */
export function eventFromRow(row: Row): EventEnvelope {
  return {
    seq: Number(row.seq),
    id: str(row.id),
    accountId: str(row.account_id),
    vaultId: strOrNull(row.vault_id),
    stream: str(row.stream),
    streamVersion: Number(row.stream_version),
    type: str(row.type),
    version: Number(row.version),
    ts: Number(row.ts),
    payload: JSON.parse(str(row.payload)) as unknown,
    meta: JSON.parse(str(row.meta)) as EventEnvelope["meta"],
  };
}

/**
 * Reads the whole log's events after a cursor, in log order (the hub tails
 * it), at most `limit` and, past the first, at most `maxBytes` of payload
 * and metadata: their sizes are read first, so a batch of large events
 * never loads more than the budget.
 * @param db The database.
 * @param after Return events with `seq > after`.
 * @param limit At most this many.
 * @param maxBytes Byte budget of the batch (at least one event).
 * @returns The events.
 */
export async function readEventsAfterCapped(db: Executor, after: number, limit: number, maxBytes: number): Promise<EventEnvelope[]> {
  const sized = await db.execute({ sql: "SELECT seq, length(payload) + length(meta) AS n FROM events WHERE seq > ? ORDER BY seq LIMIT ?", args: [after, limit] });
  let total = 0;
  let through = after;
  for (const [i, row] of sized.rows.entries()) {
    total += Number(row.n);
    if (total > maxBytes && i > 0) break;
    through = Number(row.seq);
  }
  if (through === after) return [];
  const columns = "seq, id, account_id, vault_id, stream, stream_version, type, version, ts, payload, meta";
  const result = await db.execute({ sql: `SELECT ${columns} FROM events WHERE seq > ? AND seq <= ? ORDER BY seq`, args: [after, through] });
  return result.rows.map(eventFromRow);
}

/**
 * Reads events after a cursor, in log order: one account's, or every
 * account's.
 * @param db The database.
 * @param after Return events with `seq > after`.
 * @param limit At most this many.
 * @param accountId Only this account's events; all accounts when absent.
 * @returns The events.
 */
export async function readEventsAfter(db: Executor, after: number, limit: number, accountId?: string): Promise<EventEnvelope[]> {
  const columns = "seq, id, account_id, vault_id, stream, stream_version, type, version, ts, payload, meta";
  const result =
    accountId === undefined
      ? await db.execute({ sql: `SELECT ${columns} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, args: [after, limit] })
      : await db.execute({
          sql: `SELECT ${columns} FROM events WHERE account_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
          args: [accountId, after, limit],
        });
  return result.rows.map(eventFromRow);
}
