/**
 * Request schemas of the command routes (W9, A19).
 */
import { z } from "zod";
import { commandKind } from "../../events/schemas/machine-commands.ts";

/** A machine id or a command id: 32 lowercase hex characters. */
export const id32Schema = z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lowercase hex characters");

/** `POST /api/machines/:id/commands`. */
export const issueBodySchema = z.object({ kind: commandKind }).strict();

/** `POST /api/commands/:id/ack`. */
export const ackBodySchema = z.object({ ok: z.boolean(), message: z.string().max(1000).optional() }).strict();

/** `GET /api/machines/:id/commands`. */
export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The opaque cursor of the previous page's `next.before`. */
  before: z.string().min(1).max(200).optional(),
});
