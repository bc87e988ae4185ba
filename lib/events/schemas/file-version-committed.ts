/**
 * `FileVersionCommitted`: a new head version of a path was recorded (a new
 * file or folder, a modification, a deletion tombstone, or a restore).
 * Stream `file:<vaultId>:<pathId>`, stream version = file version.
 */
import { z } from "zod";
import { base64, hexId, MAX_CHUNKS, MAX_ENC_NAME, MAX_MANIFEST, versionKind } from "./common.ts";

/** Event type name. */
export const FILE_VERSION_COMMITTED = "FileVersionCommitted";

/** How a version came to be. */
export const versionOrigin = z.discriminatedUnion("type", [
  z.object({ type: z.literal("commit") }),
  /** Restored from the trash; `asCopy` when restored beside an occupied path. */
  z.object({
    type: z.literal("trash-restore"),
    fromPathId: hexId,
    deletedVersion: z.number().int().min(1),
    liveVersion: z.number().int().min(1),
    asCopy: z.boolean(),
  }),
  /** An older version made head again (S8). */
  z.object({ type: z.literal("version-restore"), fromVersion: z.number().int().min(1) }),
]);

/** Schema of version 1 of the payload. */
export const fileVersionCommittedV1 = z
  .object({
    pathId: hexId,
    /** Path id of the containing folder. */
    parentId: hexId,
    version: z.number().int().min(1),
    kind: versionKind,
    /** Encrypted name, base64. */
    encName: base64(MAX_ENC_NAME),
    /** Encrypted, authenticated manifest bound to pathId + version, base64. */
    manifest: base64(MAX_MANIFEST),
    /** Chunk ids in file order (may repeat); empty for folders and tombstones. */
    chunks: z.array(hexId).max(MAX_CHUNKS),
    /** Sum of the stored sizes of `chunks`. */
    size: z.number().int().min(0),
    /** Committing machine, null when committed by a user from the dashboard. */
    machineId: z.string().min(1).max(128).nullable(),
    origin: versionOrigin,
  })
  .strict();

/** Payload of `FileVersionCommitted` v1. */
export type FileVersionCommittedV1 = z.infer<typeof fileVersionCommittedV1>;
