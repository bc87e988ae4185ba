/**
 * Version 1 payload schemas of the commands sent to agents (W9, A19, E1):
 * issued from the dashboard or the API, acknowledged by the agent, or
 * expired unanswered. Recorded by lib/server/commands/commands.ts in the
 * transaction that updates the `machine_commands` projection. Stream:
 * `command:<commandId>` (version 1 issued, 2 acknowledged or expired).
 */
import { z } from "zod";

/** Command kinds (a closed set; new kinds are added here). */
export const commandKind = z.enum(["sync_now", "pause", "resume"]);

/** A command kind. */
export type CommandKind = z.infer<typeof commandKind>;

const id32 = z.string().regex(/^[0-9a-f]{32}$/);

/** Payload schemas by command event type (all version 1). */
export const commandEventSchemas = {
  MachineCommandIssued: z.object({ commandId: id32, machineId: z.string().min(1), kind: commandKind, expiresAt: z.number().int() }).strict(),
  MachineCommandAcknowledged: z.object({ commandId: id32, machineId: z.string().min(1), ok: z.boolean(), message: z.string().max(1000).optional() }).strict(),
  MachineCommandExpired: z.object({ commandId: id32, machineId: z.string().min(1) }).strict(),
} as const;

/** A command event type name. */
export type CommandEventType = keyof typeof commandEventSchemas;
