/**
 * The newest tree checkpoint of each machine (C6): stored as the machine
 * sent it, listed and read back for the vault's machines. The server cannot
 * open a checkpoint; it only keeps each machine's chain moving forward.
 */
import type { Client } from "@libsql/client";
import { str } from "../../db/row.ts";
import { withWriteTransaction } from "../db/tx.ts";

/** Largest sealed checkpoint accepted: a million nodes (lib/crypto/checkpoint.ts bounds what agents open). */
export const MAX_CHECKPOINT_BYTES = 64 * 1024 * 1024;

/** A stored checkpoint, without its bytes. */
export interface CheckpointInfo {
  machineId: string;
  number: number;
  size: number;
  storedAt: number;
}

/** What storing a checkpoint did. */
export type StoreOutcome = { stored: true } | { stored: false; current: number };

/**
 * Stores a machine's checkpoint when its number is higher than the stored one's.
 * @param db The database.
 * @param vaultId The machine's vault.
 * @param machineId The writer.
 * @param number Its position in the machine's chain.
 * @param body The sealed bytes.
 * @param now Clock value in ms.
 * @returns `stored`, or the number already stored when it is not lower.
 */
export async function storeCheckpoint(db: Client, vaultId: string, machineId: string, number: number, body: Uint8Array, now: number): Promise<StoreOutcome> {
  return withWriteTransaction(db, async (tx) => {
    const row = await tx.execute({ sql: "SELECT number FROM checkpoints WHERE vault_id = ? AND machine_id = ?", args: [vaultId, machineId] });
    const current = row.rows[0] ? Number(row.rows[0].number) : 0;
    if (current >= number) return { stored: false as const, current };
    await tx.execute({
      sql: `INSERT INTO checkpoints (vault_id, machine_id, number, body, stored_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (vault_id, machine_id) DO UPDATE SET number = excluded.number, body = excluded.body, stored_at = excluded.stored_at`,
      args: [vaultId, machineId, number, body, now],
    });
    return { stored: true as const };
  });
}

/**
 * Lists the newest checkpoint of every machine of a vault.
 * @param db The database.
 * @param vaultId The vault.
 * @returns One entry per machine that published one, by machine id.
 */
export async function listCheckpoints(db: Client, vaultId: string): Promise<CheckpointInfo[]> {
  const rows = await db.execute({
    sql: "SELECT machine_id, number, length(body) AS size, stored_at FROM checkpoints WHERE vault_id = ? ORDER BY machine_id",
    args: [vaultId],
  });
  return rows.rows.map((r) => ({ machineId: str(r.machine_id), number: Number(r.number), size: Number(r.size), storedAt: Number(r.stored_at) }));
}

/**
 * Reads one machine's newest checkpoint.
 * @param db The database.
 * @param vaultId The vault.
 * @param machineId The writer.
 * @returns Its number and bytes, or null when it published none.
 */
export async function readCheckpoint(db: Client, vaultId: string, machineId: string): Promise<{ number: number; body: Uint8Array } | null> {
  const rows = await db.execute({ sql: "SELECT number, body FROM checkpoints WHERE vault_id = ? AND machine_id = ?", args: [vaultId, machineId] });
  const row = rows.rows[0];
  if (!row) return null;
  const body = row.body;
  if (!(body instanceof ArrayBuffer)) throw new Error("A stored checkpoint is not a blob");
  return { number: Number(row.number), body: new Uint8Array(body) };
}
