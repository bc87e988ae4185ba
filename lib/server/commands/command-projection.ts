/**
 * The `machine_commands` projection (E3): one function applies a command
 * event, for the live write (in the event's transaction) and for a replay.
 * Idempotent: an event already applied (its `seq` not newer than the row's)
 * changes nothing. `delivered_at` is no event's fact; a replay keeps it.
 */
import type { Client, Transaction } from "@libsql/client";
import type { EventEnvelope } from "../../events/envelope.ts";
import { commandEventSchemas, type CommandEventType } from "../../events/schemas/machine-commands.ts";
import { eventFromRow, type Executor } from "../../events/store.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { str } from "../../db/row.ts";

/** The event types this projection reads. */
export const COMMAND_EVENT_TYPES: readonly CommandEventType[] = ["MachineCommandIssued", "MachineCommandAcknowledged", "MachineCommandExpired"];

/**
 * Applies one command event to `machine_commands`.
 * @param tx An open write transaction.
 * @param event The event (other types are ignored).
 */
export async function applyCommandEvent(tx: Executor, event: EventEnvelope): Promise<void> {
  switch (event.type) {
    case "MachineCommandIssued": {
      const p = commandEventSchemas.MachineCommandIssued.parse(event.payload);
      await tx.execute({
        sql: `INSERT INTO machine_commands (id, account_id, vault_id, machine_id, kind, state, issued_at, issued_by, expires_at, seq)
              VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        args: [p.commandId, event.accountId, event.vaultId ?? "", p.machineId, p.kind, event.ts, event.meta.actor ?? "system", p.expiresAt, event.seq],
      });
      return;
    }
    case "MachineCommandAcknowledged": {
      const p = commandEventSchemas.MachineCommandAcknowledged.parse(event.payload);
      await tx.execute({
        sql: "UPDATE machine_commands SET state = 'acknowledged', acked_at = ?, ok = ?, message = ?, seq = ? WHERE id = ? AND seq < ?",
        args: [event.ts, p.ok ? 1 : 0, p.message ?? null, event.seq, p.commandId, event.seq],
      });
      return;
    }
    case "MachineCommandExpired": {
      const p = commandEventSchemas.MachineCommandExpired.parse(event.payload);
      await tx.execute({ sql: "UPDATE machine_commands SET state = 'expired', seq = ? WHERE id = ? AND seq < ?", args: [event.seq, p.commandId, event.seq] });
      return;
    }
  }
}

/** The command projection's tables, for the rebuild's dump. */
export const COMMAND_PROJECTION_TABLES = ["machine_commands"] as const;

/**
 * Replays every command event into `machine_commands` inside an open
 * transaction, keeping delivery times (a delivery is not an event). Command
 * events are never trimmed by log cleaning, so no checkpoint is needed.
 * @param tx An open write transaction.
 * @returns How many events were applied.
 */
export async function replayCommandEvents(tx: Transaction): Promise<number> {
  const delivered = await tx.execute("SELECT id, delivered_at FROM machine_commands WHERE delivered_at IS NOT NULL");
  await tx.execute("DELETE FROM machine_commands");
  const events = await tx.execute({
    sql: `SELECT * FROM events WHERE type IN (${COMMAND_EVENT_TYPES.map(() => "?").join(", ")}) ORDER BY seq`,
    args: [...COMMAND_EVENT_TYPES],
  });
  for (const row of events.rows) await applyCommandEvent(tx, eventFromRow(row));
  for (const row of delivered.rows) {
    await tx.execute({ sql: "UPDATE machine_commands SET delivered_at = ? WHERE id = ?", args: [Number(row.delivered_at), str(row.id)] });
  }
  return events.rows.length;
}

/**
 * Rebuilds `machine_commands` from the log, keeping delivery times.
 * @param db The database.
 * @returns How many events were applied.
 */
export async function rebuildCommands(db: Client): Promise<number> {
  return withWriteTransaction(db, replayCommandEvents);
}
