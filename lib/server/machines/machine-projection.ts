/**
 * The machine list as a projection (E3, S10): `machine_registry` is what the
 * MachineRegistered / MachineRenamed / MachineRemoved events say. The live
 * writes (lib/server/machines/machines.ts) apply each event with
 * {@link applyMachineEvent} in the transaction that appends it, and
 * `rebuild-projections` replays the log through the same function, so a
 * rebuild gives the same rows. Token hashes and last-seen times are not in
 * events; they live in `machine_tokens`, which a rebuild never touches.
 * Auth events are never trimmed by change-log retention, so the whole
 * history is always there to replay.
 */
import type { Transaction } from "@libsql/client";
import { recordDeadLetter } from "../../events/dead-letter.ts";
import type { Executor } from "../../events/store.ts";
import { str, strOrNull } from "../../db/row.ts";
import { authEventSchemas } from "../auth/events.ts";

/** The events the machine projection is built from. */
export const MACHINE_EVENT_TYPES = ["MachineRegistered", "MachineRenamed", "MachineRemoved"] as const;

/** The tables this projection owns. */
export const MACHINE_PROJECTION_TABLES = ["machine_registry"] as const;

/** What the projection needs of an event. */
export interface MachineEventInput {
  accountId: string;
  vaultId: string | null;
  type: string;
  version: number;
  ts: number;
  payload: unknown;
}

/**
 * Applies one machine event to `machine_registry`. Idempotent: applying an
 * event twice leaves the same row.
 * @param tx The open write transaction.
 * @param event The event (payload checked against its schema).
 * @throws Error for an unknown type or version, or an invalid payload.
 */
export async function applyMachineEvent(tx: Executor, event: MachineEventInput): Promise<void> {
  if (event.version !== 1) throw new Error(`${event.type} version ${event.version} is not known`);
  switch (event.type) {
    case "MachineRegistered": {
      const p = authEventSchemas.MachineRegistered.parse(event.payload);
      if (event.vaultId === null) throw new Error("MachineRegistered without a vault");
      await tx.execute({
        sql: `INSERT INTO machine_registry (id, account_id, vault_id, name, platform, registered_at, removed_at)
              VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO NOTHING`,
        args: [p.machineId, event.accountId, event.vaultId, p.name, p.platform, event.ts],
      });
      return;
    }
    case "MachineRenamed": {
      const p = authEventSchemas.MachineRenamed.parse(event.payload);
      await tx.execute({ sql: "UPDATE machine_registry SET name = ? WHERE id = ? AND account_id = ?", args: [p.name, p.machineId, event.accountId] });
      return;
    }
    case "MachineRemoved": {
      const p = authEventSchemas.MachineRemoved.parse(event.payload);
      await tx.execute({
        sql: "UPDATE machine_registry SET removed_at = COALESCE(removed_at, ?) WHERE id = ? AND account_id = ?",
        args: [event.ts, p.machineId, event.accountId],
      });
      return;
    }
    default:
      throw new Error(`${event.type} is not a machine event`);
  }
}

/**
 * Empties `machine_registry` and replays every machine event, one savepoint
 * each; an event that cannot be applied is dead-lettered (E4).
 * @param tx The open write transaction.
 * @returns How many events were applied and dead-lettered.
 */
export async function replayMachineEvents(tx: Transaction): Promise<{ eventsApplied: number; deadLettered: number }> {
  await tx.execute("DELETE FROM machine_registry");
  const types = MACHINE_EVENT_TYPES.map(() => "?").join(", ");
  let after = 0;
  let eventsApplied = 0;
  let deadLettered = 0;
  for (;;) {
    const page = await tx.execute({
      sql: `SELECT seq, id, account_id, vault_id, type, version, ts, payload FROM events
            WHERE type IN (${types}) AND seq > ? ORDER BY seq LIMIT 1000`,
      args: [...MACHINE_EVENT_TYPES, after],
    });
    for (const row of page.rows) {
      after = Number(row.seq);
      await tx.execute("SAVEPOINT replay_machine");
      try {
        await applyMachineEvent(tx, {
          accountId: str(row.account_id),
          vaultId: strOrNull(row.vault_id),
          type: str(row.type),
          version: Number(row.version),
          ts: Number(row.ts),
          payload: JSON.parse(str(row.payload)) as unknown,
        });
        await tx.execute("RELEASE replay_machine");
        eventsApplied++;
      } catch (error) {
        await tx.execute("ROLLBACK TO replay_machine");
        await tx.execute("RELEASE replay_machine");
        await recordDeadLetter(tx, {
          eventSeq: after,
          eventId: str(row.id),
          accountId: str(row.account_id),
          type: str(row.type),
          version: Number(row.version),
          handler: "rebuild-machines",
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          attempts: 1,
        });
        deadLettered++;
      }
    }
    if (page.rows.length < 1000) break;
  }
  return { eventsApplied, deadLettered };
}
