/**
 * Invitations (S3, W5): single-use codes that let one new machine register.
 * The code is shown once and stored as SHA-256; it expires after 24 h and
 * carries no key (DESIGN §2 rule 9). Redemption is one conditional UPDATE
 * inside a write transaction, so of many parallel redemptions exactly one
 * succeeds.
 */
import type { Client, Transaction } from "@libsql/client";
import type { EventMeta } from "../../events/envelope.ts";
import { recordAuthEvent } from "../auth/events.ts";
import { constantTimeEqual, hashSecret, newId, newSecret, SECRET_PREFIX } from "../auth/secrets.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { str, strOrNull } from "../../db/row.ts";

/** An invitation as listed (never with its code). */
export interface InvitationInfo {
  id: string;
  createdAt: number;
  expiresAt: number;
  createdBy: string;
  state: "pending" | "redeemed" | "expired" | "revoked";
  redeemedAt: number | null;
  machineId: string | null;
}

/** Why a redemption failed. */
export type RedeemFailure = "unknown" | "expired" | "used" | "revoked";

/** Thrown by {@link redeemInvitation} with the reason. */
export class InvitationError extends Error {
  override name = "InvitationError";
  /**
   * @param reason Why the invitation cannot be used.
   */
  constructor(readonly reason: RedeemFailure) {
    super(`Cannot use invitation: ${reason}`);
  }
}

/**
 * Creates an invitation and records `InvitationCreated`.
 * @param db The database.
 * @param owner Account, vault and who creates it (`user:<id>` or `cli`).
 * @param now Clock value in ms.
 * @param ttlMs Lifetime.
 * @param meta Event metadata.
 * @returns The id, the code (shown once) and its expiry.
 */
export async function createInvitation(
  db: Client,
  owner: { accountId: string; vaultId: string; createdBy: string },
  now: number,
  ttlMs: number,
  meta: EventMeta = {},
): Promise<{ id: string; code: string; expiresAt: number }> {
  const id = newId();
  const code = newSecret(SECRET_PREFIX.invitation);
  const expiresAt = now + ttlMs;
  await withWriteTransaction(db, async (tx) => {
    await tx.execute({
      sql: `INSERT INTO invitations (id, account_id, vault_id, code_hash, created_by, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)`,
      args: [id, owner.accountId, owner.vaultId, hashSecret(code), owner.createdBy, now, expiresAt],
    });
    await recordAuthEvent(
      tx,
      "InvitationCreated",
      { accountId: owner.accountId, vaultId: owner.vaultId, stream: `invitation:${id}` },
      { invitationId: id, expiresAt, createdBy: owner.createdBy },
      { actor: owner.createdBy, ...meta },
    );
  });
  return { id, code, expiresAt };
}

/**
 * Lists a vault's invitations, newest first.
 * @param db The database.
 * @param vaultId The vault the caller acts on.
 * @param now Clock value in ms (decides `expired`).
 * @returns The invitations, without codes.
 */
export async function listInvitations(db: Client, vaultId: string, now: number): Promise<InvitationInfo[]> {
  const result = await db.execute({
    sql: `SELECT id, created_at, expires_at, created_by, redeemed_at, machine_id, revoked_at
          FROM invitations WHERE vault_id = ? ORDER BY created_at DESC, id`,
    args: [vaultId],
  });
  return result.rows.map((row) => {
    const redeemedAt = row.redeemed_at === null ? null : Number(row.redeemed_at);
    const expiresAt = Number(row.expires_at);
    const state = row.revoked_at !== null ? "revoked" : redeemedAt !== null ? "redeemed" : expiresAt <= now ? "expired" : "pending";
    return {
      id: str(row.id),
      createdAt: Number(row.created_at),
      expiresAt,
      createdBy: str(row.created_by),
      state,
      redeemedAt,
      machineId: strOrNull(row.machine_id),
    };
  });
}

/**
 * Revokes a pending invitation.
 * @param db The database.
 * @param vaultId The vault the caller acts on.
 * @param id The invitation id.
 * @param now Clock value in ms.
 * @param meta Event metadata.
 * @returns False when no pending invitation of that vault has this id.
 */
export async function revokeInvitation(db: Client, vaultId: string, id: string, now: number, meta: EventMeta = {}): Promise<boolean> {
  return withWriteTransaction(db, async (tx) => {
    const result = await tx.execute({
      sql: `UPDATE invitations SET revoked_at = ? WHERE id = ? AND vault_id = ? AND revoked_at IS NULL AND redeemed_at IS NULL
            RETURNING account_id`,
      args: [now, id, vaultId],
    });
    const row = result.rows[0];
    if (!row) return false;
    const accountId = str(row.account_id);
    await recordAuthEvent(tx, "InvitationRevoked", { accountId, vaultId, stream: `invitation:${id}` }, { invitationId: id }, meta);
    return true;
  });
}

/**
 * Marks an invitation used by a machine, inside the caller's transaction
 * (the machine row and events commit with it), and records
 * `InvitationRedeemed`.
 * @param tx An open write transaction.
 * @param code The invitation code as presented.
 * @param machineId The machine being registered.
 * @param now Clock value in ms.
 * @param meta Event metadata.
 * @param opId The client's operation id, kept so a retry can be recognised ({@link findRepeatedRedemption}).
 * @returns The invitation's id, account and vault, and the id of the `InvitationRedeemed` event.
 * @throws InvitationError when unknown, expired, used or revoked.
 */
export async function redeemInvitation(
  tx: Transaction,
  code: string,
  machineId: string,
  now: number,
  meta: EventMeta = {},
  opId: string | null = null,
): Promise<{ invitationId: string; accountId: string; vaultId: string; eventId: string }> {
  const codeHash = hashSecret(code);
  const result = await tx.execute({
    sql: `UPDATE invitations SET redeemed_at = ?, machine_id = ?, redeem_op_id = ?
          WHERE code_hash = ? AND redeemed_at IS NULL AND revoked_at IS NULL AND expires_at > ?
          RETURNING id, account_id, vault_id`,
    args: [now, machineId, opId, codeHash, now],
  });
  const row = result.rows[0];
  if (!row) {
    const found = await tx.execute({ sql: "SELECT redeemed_at, revoked_at FROM invitations WHERE code_hash = ?", args: [codeHash] });
    const existing = found.rows[0];
    if (!existing) throw new InvitationError("unknown");
    if (existing.revoked_at !== null) throw new InvitationError("revoked");
    if (existing.redeemed_at !== null) throw new InvitationError("used");
    throw new InvitationError("expired");
  }
  const invitation = { invitationId: str(row.id), accountId: str(row.account_id), vaultId: str(row.vault_id) };
  const event = await recordAuthEvent(
    tx,
    "InvitationRedeemed",
    { accountId: invitation.accountId, vaultId: invitation.vaultId, stream: `invitation:${invitation.invitationId}` },
    { invitationId: invitation.invitationId, machineId },
    meta,
  );
  return { ...invitation, eventId: event.id };
}

/** An invitation already redeemed by the same operation. */
export interface RepeatedRedemption {
  invitationId: string;
  accountId: string;
  vaultId: string;
  machineId: string;
}

/**
 * Finds the redemption a retry repeats: the invitation with this
 * code was redeemed by the operation `opId`, is neither revoked nor past its
 * validity, and the machine it registered is still live.
 * @param tx An open write transaction.
 * @param code The invitation code as presented.
 * @param opId The client's operation id.
 * @param now Clock value in ms.
 * @returns The earlier redemption, or null.
 */
export async function findRepeatedRedemption(tx: Transaction, code: string, opId: string, now: number): Promise<RepeatedRedemption | null> {
  const result = await tx.execute({
    sql: `SELECT i.id, i.account_id, i.vault_id, i.machine_id, i.redeem_op_id
          FROM invitations i JOIN machine_registry r ON r.id = i.machine_id JOIN machine_tokens t ON t.id = i.machine_id
          WHERE i.code_hash = ? AND i.redeemed_at IS NOT NULL AND i.revoked_at IS NULL AND i.expires_at > ?
            AND r.removed_at IS NULL AND t.revoked_at IS NULL`,
    args: [hashSecret(code), now],
  });
  const row = result.rows[0];
  if (!row || row.redeem_op_id === null || !constantTimeEqual(str(row.redeem_op_id), opId)) return null;
  return { invitationId: str(row.id), accountId: str(row.account_id), vaultId: str(row.vault_id), machineId: str(row.machine_id) };
}
