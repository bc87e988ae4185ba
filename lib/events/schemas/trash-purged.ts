/**
 * `TrashPurged`: a trash entry's versions were erased for good (S5): every
 * version of the node older than the tombstone, their chunk references,
 * and, for a folder, every version, chunk reference and row of the nodes
 * below it, named in `below` (found once, from the live tree at purge
 * time, so every table set and every replay removes exactly those). Stream `trash:<vaultId>:<nodeId>`, stream version = the
 * tombstone version.
 */
import { z } from "zod";
import { nodeId } from "./common.ts";

/** Event type name. */
export const TRASH_PURGED = "TrashPurged";

/** Schema of version 1 of the payload. */
export const trashPurgedV1 = z
  .object({
    nodeId,
    /** The tombstone version whose trash entry is purged; older versions go. */
    deletedVersion: z.number().int().min(1),
    /** Why: the daily retention run, an admin request, or the CLI. */
    reason: z.enum(["retention", "admin", "cli"]),
    /** The nodes below the folder, at any depth, erased with it (empty for a file). */
    below: z.array(nodeId),
  })
  .strict();

/** Payload of `TrashPurged` v1. */
export type TrashPurgedV1 = z.infer<typeof trashPurgedV1>;
