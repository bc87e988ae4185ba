/**
 * The dead-letter table (E4): events a projection or handler could not
 * apply after its bounded retries, with the error, for an operator to read.
 */
import type { Executor } from "./store.ts";
import { str } from "../db/row.ts";

/** Most attempts a handler gets per event before it is dead-lettered. */
export const MAX_ATTEMPTS = 3;

/** A dead-lettered event. */
export interface DeadLetter {
  eventSeq: number;
  eventId: string;
  accountId: string;
  type: string;
  version: number;
  handler: string;
  error: string;
  attempts: number;
  createdAt: number;
}

/**
 * Records (or updates) a dead letter for an event and handler.
 * @param db The database or open transaction.
 * @param letter The event, handler and error.
 */
export async function recordDeadLetter(db: Executor, letter: Omit<DeadLetter, "createdAt">): Promise<void> {
  await db.execute({
    sql: `INSERT INTO dead_letters (event_seq, event_id, account_id, type, version, handler, error, attempts, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (event_seq, handler) DO UPDATE SET error = excluded.error, attempts = dead_letters.attempts + excluded.attempts,
            created_at = excluded.created_at`,
    args: [letter.eventSeq, letter.eventId, letter.accountId, letter.type, letter.version, letter.handler, letter.error.slice(0, 2000),
      letter.attempts, Date.now()],
  });
}

/**
 * Lists dead letters, newest first.
 * @param db The database.
 * @param limit At most this many.
 * @returns The letters.
 */
export async function listDeadLetters(db: Executor, limit = 100): Promise<DeadLetter[]> {
  const rows = await db.execute({ sql: "SELECT * FROM dead_letters ORDER BY id DESC LIMIT ?", args: [limit] });
  return rows.rows.map((r) => ({
    eventSeq: Number(r.event_seq),
    eventId: str(r.event_id),
    accountId: str(r.account_id),
    type: str(r.type),
    version: Number(r.version),
    handler: str(r.handler),
    error: str(r.error),
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
  }));
}
