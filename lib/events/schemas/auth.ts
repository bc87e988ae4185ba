/**
 * Version 1 payload schemas of the account, invitation, machine and vault-key
 * events (E1). Recorded by lib/server/auth/events.ts in the transaction of
 * the table writes they describe. No payload carries a secret: never a
 * token, an invitation code, a hash or a key.
 */
import { z } from "zod";

/** A server-made id (32 hex today; bounded, never free text). */
const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);
/** Who acted: `user:<id>`, `machine:<id>`, `cli`, `system`. */
const actor = z.string().min(1).max(200);
/** A username as setup accepts it (64 characters). */
const username = z.string().min(1).max(64);
/** A machine name (64 characters, each up to 4 UTF-16 units). */
const machineName = z.string().min(1).max(256);
/** A platform label as registration accepts it. */
const platform = z.string().min(1).max(40);

/** Payload schemas by auth event type (all version 1). */
export const authEventSchemas = {
  AdminCreated: z.object({ userId: id, username }).strict(),
  InvitationCreated: z.object({ invitationId: id, expiresAt: z.number().int().min(0), createdBy: actor }).strict(),
  InvitationRevoked: z.object({ invitationId: id }).strict(),
  InvitationRedeemed: z.object({ invitationId: id, machineId: id }).strict(),
  MachineRegistered: z.object({ machineId: id, name: machineName, platform, invitationId: id }).strict(),
  MachineRenamed: z.object({ machineId: id, name: machineName }).strict(),
  MachineRemoved: z.object({ machineId: id, by: actor }).strict(),
  MachineTokenReissued: z.object({ machineId: id, invitationId: id, reason: z.literal("registration_retry") }).strict(),
  VaultKeyUpdated: z.object({ version: z.number().int().positive(), by: actor }).strict(),
} as const;

/** An auth event type name. */
export type AuthEventType = keyof typeof authEventSchemas;
