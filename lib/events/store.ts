import type { Client, InStatement, Transaction } from "@libsql/client";
import type { EventEnvelope, NewEvent } from "./envelope.ts";
import { str, strOrNull } from "../server/db/row.ts";

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
 * @throws StreamConflictError when `(accountId, stream, streamVersion)` exists.
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
    if (/UNIQUE constraint failed: events\.account_id/.test((error as Error).message)) {
      throw new StreamConflictError(`Stream ${event.stream} already has version ${event.streamVersion}`);
    }
    throw error;
  }
}

/**
 * Reads an account's events after a cursor, in log order.
 * @param db The database.
 * @param accountId Whose events.
 * @param after Return events with `seq > after`.
 * @param limit At most this many.
 * @returns The events.
 */
export async function readEventsAfter(db: Executor, accountId: string, after: number, limit: number): Promise<EventEnvelope[]> {
  const result = await db.execute({
    sql: `SELECT seq, id, account_id, vault_id, stream, stream_version, type, version, ts, payload, meta
          FROM events WHERE account_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    args: [accountId, after, limit],
  });
  return result.rows.map((row) => ({
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
  }));
}
