/**
 * Machines (S3, S10, C8): registration with an invitation, bearer tokens
 * stored as SHA-256 and checked in constant time, listing, renaming and
 * removal (the token stops working at once).
 *
 * The machine list is a projection of the machine events (E3,
 * lib/server/machines/machine-projection.ts): each write appends its event and
 * applies it to `machine_registry` in one transaction. The token hash, the
 * last-seen time and the token's revocation live in `machine_tokens`, which
 * a rebuild never touches. A token is accepted only while both say the
 * machine is live.
 */
import type { Client, Transaction } from "@libsql/client";
import type { EventMeta } from "../../events/envelope.ts";
import { recordAuthEvent } from "../auth/events.ts";
import { applyMachineEvent } from "./machine-projection.ts";
import { findRepeatedRedemption, redeemInvitation } from "../invitations/invitations.ts";
import { constantTimeEqual, hashSecret, looksLikeSecret, newId, newSecret, SECRET_PREFIX } from "../auth/secrets.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { str } from "../../db/row.ts";

/** A machine as the API lists it. */
export interface MachineInfo {
  id: string;
  name: string;
  platform: string;
  createdAt: number;
  lastSeenAt: number | null;
}

/** The identity a valid machine token proves. */
export interface MachineIdentity {
  machineId: string;
  accountId: string;
  vaultId: string;
  lastSeenAt: number | null;
}

/** A registration's answer. */
export interface RegisteredMachine {
  machineId: string;
  /** The bearer token, shown once. */
  token: string;
  accountId: string;
  vaultId: string;
  /** True when this answers a retry of an earlier registration. */
  repeated: boolean;
}

/**
 * Registers a machine with an invitation: the invitation is consumed, the
 * machine row, `InvitationRedeemed` and `MachineRegistered` commit together.
 *
 * Retry-safe: a client that lost the answer sends the same
 * invitation and `opId` again. While the invitation is valid and its
 * machine live, the retry answers that machine with a NEW token and the
 * first token stops working (`MachineTokenReissued`): only the token's
 * SHA-256 is stored, so the first token cannot be answered again, and it
 * was never seen by the client. Another opId, or none, gets `used`.
 * @param db The database.
 * @param input Invitation code, machine name, platform and the client's opId.
 * @param now Clock value in ms.
 * @param meta Event metadata.
 * @returns The machine id, its token (shown once), account and vault.
 * @throws InvitationError when the invitation cannot be used.
 */
export async function registerMachine(
  db: Client,
  input: { invitation: string; name: string; platform: string; opId?: string | undefined },
  now: number,
  meta: EventMeta = {},
): Promise<RegisteredMachine> {
  const token = newSecret(SECRET_PREFIX.machineToken);
  return withWriteTransaction(db, async (tx) => {
    const repeat = input.opId ? await findRepeatedRedemption(tx, input.invitation, input.opId, now) : null;
    if (repeat) {
      await tx.execute({ sql: "UPDATE machine_tokens SET token_hash = ? WHERE id = ?", args: [hashSecret(token), repeat.machineId] });
      await recordAuthEvent(
        tx,
        "MachineTokenReissued",
        { accountId: repeat.accountId, vaultId: repeat.vaultId, stream: `machine:${repeat.machineId}`, ts: now },
        { machineId: repeat.machineId, invitationId: repeat.invitationId, reason: "registration_retry" },
        { actor: `machine:${repeat.machineId}`, ...meta },
      );
      return { machineId: repeat.machineId, token, accountId: repeat.accountId, vaultId: repeat.vaultId, repeated: true };
    }
    const machineId = newId();
    const invitation = await redeemInvitation(tx, input.invitation, machineId, now, { actor: `machine:${machineId}`, ...meta }, input.opId ?? null);
    await tx.execute({
      sql: `INSERT INTO machine_tokens (id, account_id, vault_id, token_hash, last_seen_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL)`,
      args: [machineId, invitation.accountId, invitation.vaultId, hashSecret(token), now],
    });
    const event = await recordAuthEvent(
      tx,
      "MachineRegistered",
      { accountId: invitation.accountId, vaultId: invitation.vaultId, stream: `machine:${machineId}`, ts: now },
      { machineId, name: input.name, platform: input.platform, invitationId: invitation.invitationId },
      // The redeemed invitation is what lets the machine in.
      { actor: `machine:${machineId}`, ...meta, causationId: invitation.eventId },
    );
    await applyMachineEvent(tx, event);
    return { machineId, token, accountId: invitation.accountId, vaultId: invitation.vaultId, repeated: false };
  });
}

/**
 * Resolves a bearer token: lookup by its SHA-256, then a constant-time
 * comparison of the stored digest. Removed machines never match, nor do
 * machines whose account is no longer a member of their vault.
 * @param db The database.
 * @param token The presented token.
 * @returns The machine, or null.
 */
export async function findMachineByToken(db: Client, token: string): Promise<MachineIdentity | null> {
  if (!token.startsWith(SECRET_PREFIX.machineToken) || !looksLikeSecret(token)) return null;
  const digest = hashSecret(token);
  const result = await db.execute({
    sql: `SELECT t.id, t.account_id, t.vault_id, t.token_hash, t.last_seen_at
          FROM machine_tokens t JOIN machine_registry r ON r.id = t.id
          JOIN vault_members m ON m.vault_id = t.vault_id AND m.account_id = t.account_id
          WHERE t.token_hash = ? AND t.revoked_at IS NULL AND r.removed_at IS NULL`,
    args: [digest],
  });
  const row = result.rows[0];
  if (!row || !constantTimeEqual(str(row.token_hash), digest)) return null;
  return {
    machineId: str(row.id),
    accountId: str(row.account_id),
    vaultId: str(row.vault_id),
    lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
  };
}

/**
 * Records that a machine was seen. Best effort and not awaited by callers'
 * critical path: a failure only delays `last_seen_at`.
 * @param db The database.
 * @param machineId The machine.
 * @param now Clock value in ms.
 */
export async function touchMachine(db: Client, machineId: string, now: number): Promise<void> {
  try {
    await withWriteTransaction(db, (tx) => tx.execute({ sql: "UPDATE machine_tokens SET last_seen_at = ? WHERE id = ?", args: [now, machineId] }));
  } catch {
    // last_seen_at is informational; the next request retries
  }
}

/**
 * Lists an account's machines that have not been removed, over all its
 * vaults. Account-scoped: kept for the dashboard socket's snapshot
 * (lib/server/ws/routes.ts); routes use {@link listVaultMachines}.
 * @param db The database.
 * @param accountId The account.
 * @returns The machines, oldest first.
 */
export async function listMachines(db: Client, accountId: string): Promise<MachineInfo[]> {
  return machinesWhere(db, "r.account_id = ?", [accountId]);
}

/**
 * Lists the live machines acting on a vault.
 * @param db The database.
 * @param vaultId The vault.
 * @returns The machines, oldest first.
 */
export async function listVaultMachines(db: Client, vaultId: string): Promise<MachineInfo[]> {
  return machinesWhere(db, "r.vault_id = ?", [vaultId]);
}

async function machinesWhere(db: Client, where: string, args: string[]): Promise<MachineInfo[]> {
  const result = await db.execute({
    sql: `SELECT r.id, r.name, r.platform, r.registered_at, t.last_seen_at
          FROM machine_registry r JOIN machine_tokens t ON t.id = r.id
          WHERE ${where} AND r.removed_at IS NULL AND t.revoked_at IS NULL ORDER BY r.registered_at, r.id`,
    args,
  });
  return result.rows.map((row) => ({
    id: str(row.id),
    name: str(row.name),
    platform: str(row.platform),
    createdAt: Number(row.registered_at),
    lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
  }));
}

/**
 * Finds one live machine of a vault.
 * @param db The database.
 * @param vaultId The vault.
 * @param machineId The machine.
 * @returns The machine, or null.
 */
export async function getMachine(db: Client, vaultId: string, machineId: string): Promise<MachineInfo | null> {
  const found = await machinesWhere(db, "r.vault_id = ? AND r.id = ?", [vaultId, machineId]);
  return found[0] ?? null;
}

/** The account of a live machine of the vault, or null. */
async function liveMachineAccount(tx: Transaction, vaultId: string, machineId: string): Promise<string | null> {
  const result = await tx.execute({
    sql: "SELECT account_id FROM machine_registry WHERE id = ? AND vault_id = ? AND removed_at IS NULL",
    args: [machineId, vaultId],
  });
  const row = result.rows[0];
  return row ? str(row.account_id) : null;
}

/**
 * Renames a machine and records `MachineRenamed`.
 * @param db The database.
 * @param vaultId The vault the caller acts on.
 * @param machineId The machine.
 * @param name The new name.
 * @param meta Event metadata.
 * @returns False when the vault has no such live machine.
 */
export async function renameMachine(db: Client, vaultId: string, machineId: string, name: string, meta: EventMeta = {}): Promise<boolean> {
  return withWriteTransaction(db, async (tx) => {
    const accountId = await liveMachineAccount(tx, vaultId, machineId);
    if (accountId === null) return false;
    const event = await recordAuthEvent(tx, "MachineRenamed", { accountId, vaultId, stream: `machine:${machineId}` }, { machineId, name }, meta);
    await applyMachineEvent(tx, event);
    return true;
  });
}

/**
 * Removes a machine: its token stops working with this commit, and
 * `MachineRemoved` tells every server process to close its sockets.
 * @param db The database.
 * @param vaultId The vault the caller acts on.
 * @param machineId The machine.
 * @param now Clock value in ms.
 * @param by Who removed it (`user:<id>` or `cli`).
 * @param meta Event metadata.
 * @returns False when the vault has no such live machine.
 */
export async function removeMachine(
  db: Client,
  vaultId: string,
  machineId: string,
  now: number,
  by: string,
  meta: EventMeta = {},
): Promise<boolean> {
  return withWriteTransaction(db, async (tx) => {
    const accountId = await liveMachineAccount(tx, vaultId, machineId);
    if (accountId === null) return false;
    await tx.execute({ sql: "UPDATE machine_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", args: [now, machineId] });
    const event = await recordAuthEvent(
      tx,
      "MachineRemoved",
      { accountId, vaultId, stream: `machine:${machineId}`, ts: now },
      { machineId, by },
      { actor: by, ...meta },
    );
    await applyMachineEvent(tx, event);
    return true;
  });
}
