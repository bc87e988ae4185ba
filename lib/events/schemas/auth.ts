/**
 * Version 1 payload schemas of the account, invitation, machine and vault-key
 * events (E1). Recorded by lib/server/auth/events.ts in the transaction of
 * the table writes they describe. No payload carries a secret: never a
 * token, an invitation code, a hash or a key.
 */
import { z } from "zod";

/** Payload schemas by auth event type (all version 1). */
export const authEventSchemas = {
  AdminCreated: z.object({ userId: z.string(), username: z.string() }),
  InvitationCreated: z.object({ invitationId: z.string(), expiresAt: z.number(), createdBy: z.string() }),
  InvitationRevoked: z.object({ invitationId: z.string() }),
  InvitationRedeemed: z.object({ invitationId: z.string(), machineId: z.string() }),
  MachineRegistered: z.object({ machineId: z.string(), name: z.string(), platform: z.string(), invitationId: z.string() }),
  MachineRenamed: z.object({ machineId: z.string(), name: z.string() }),
  MachineRemoved: z.object({ machineId: z.string(), by: z.string() }),
  MachineTokenReissued: z.object({ machineId: z.string(), invitationId: z.string(), reason: z.literal("registration_retry") }),
  VaultKeyUpdated: z.object({ version: z.number().int().positive(), by: z.string() }),
} as const;

/** An auth event type name. */
export type AuthEventType = keyof typeof authEventSchemas;
