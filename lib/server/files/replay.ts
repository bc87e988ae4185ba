/**
 * Replaying stored events through the projector, one savepoint per event so
 * a poison event (unknown version, invalid payload, failing handler) is
 * retried a bounded number of times and then dead-lettered without
 * undoing the others (E3, E4).
 */
import type { Transaction } from "@libsql/client";
import { MAX_ATTEMPTS, recordDeadLetter } from "../../events/dead-letter.ts";
import { eventSchemas, parseEventPayload } from "../../events/schemas/index.ts";
import { str, strOrNull } from "../../db/row.ts";
import { applyFileEvent, type TablePrefix } from "./projector.ts";

/** Event types the file projector handles. */
export const FILE_EVENT_TYPES: readonly string[] = Object.keys(eventSchemas);

/** A stored event row as replay reads it. */
export interface StoredEventRow {
  seq: number;
  id: string;
  accountId: string;
  vaultId: string | null;
  type: string;
  version: number;
  ts: number;
  payload: string;
}

/**
 * Reads file events in log order.
 * @param tx The open transaction.
 * @param where Extra SQL condition on `events` and its arguments.
 * @param limit Page size.
 * @returns The rows.
 */
export async function readFileEvents(tx: Transaction, where: { sql: string; args: (string | number)[] }, limit: number): Promise<StoredEventRow[]> {
  const types = FILE_EVENT_TYPES.map(() => "?").join(", ");
  const rows = await tx.execute({
    sql: `SELECT seq, id, account_id, vault_id, type, version, ts, payload FROM events
          WHERE type IN (${types}) AND ${where.sql} ORDER BY seq LIMIT ?`,
    args: [...FILE_EVENT_TYPES, ...where.args, limit],
  });
  return rows.rows.map((r) => ({
    seq: Number(r.seq),
    id: str(r.id),
    accountId: str(r.account_id),
    vaultId: strOrNull(r.vault_id),
    type: str(r.type),
    version: Number(r.version),
    ts: Number(r.ts),
    payload: str(r.payload),
  }));
}

/**
 * Applies one stored event inside a savepoint, retrying up to
 * {@link MAX_ATTEMPTS} times; a final failure is dead-lettered.
 * @param tx The open write transaction.
 * @param row The event.
 * @param prefix Table set to write.
 * @param handler Name recorded with a dead letter.
 * @returns True when applied, false when dead-lettered.
 */
export async function applyStoredEvent(tx: Transaction, row: StoredEventRow, prefix: TablePrefix, handler: string): Promise<boolean> {
  let lastError: unknown;
  let attempts = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    attempts = attempt;
    await tx.execute("SAVEPOINT replay_event");
    try {
      const event = parseEventPayload(row.type, row.version, JSON.parse(row.payload));
      await applyFileEvent(tx, row, event, prefix);
      await tx.execute("RELEASE replay_event");
      return true;
    } catch (error) {
      lastError = error;
      await tx.execute("ROLLBACK TO replay_event");
      await tx.execute("RELEASE replay_event");
      if ((error as Error).name === "EventSchemaError" || error instanceof SyntaxError) break; // deterministic: no retry
    }
  }
  await recordDeadLetter(tx, {
    eventSeq: row.seq,
    eventId: row.id,
    accountId: row.accountId,
    type: row.type,
    version: row.version,
    handler,
    error: lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError),
    attempts,
  });
  return false;
}
