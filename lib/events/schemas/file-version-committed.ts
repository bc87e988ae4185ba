/**
 * `FileVersionCommitted`: a new head version of a node was recorded: a new
 * file or folder, a modification, a move or rename (new parent and/or
 * name), a deletion tombstone, or a restore. A folder's deletion is one
 * tombstone: its descendants keep their rows and are not live while it is
 * deleted. Stream `file:<vaultId>:<nodeId>`, stream version = node version.
 */
import { z } from "zod";
import { base64url, hexId, MAX_CHUNKS, MAX_ENC_NAME, MAX_MANIFEST, nodeId, opId, ROOT_NODE_ID, versionKind } from "./common.ts";

/** Event type name. */
export const FILE_VERSION_COMMITTED = "FileVersionCommitted";

/** How a version came to be. */
export const versionOrigin = z.discriminatedUnion("type", [
  z.object({ type: z.literal("commit") }),
  /** Restored from the trash: at its original place, or under the client's alternative name or folder. */
  z.object({
    type: z.literal("trash-restore"),
    deletedVersion: z.number().int().min(1),
    liveVersion: z.number().int().min(1),
    place: z.enum(["original", "alternative"]),
  }),
  /** An older version's content made head again (S8), at the node's current place. */
  z.object({ type: z.literal("version-restore"), fromVersion: z.number().int().min(1) }),
]);

/** Schema of version 1 of the payload. */
export const fileVersionCommittedV1 = z
  .object({
    nodeId,
    /** Node id of the containing folder (the root is `000…0`). */
    parentId: nodeId,
    version: z.number().int().min(1),
    kind: versionKind,
    /** Encrypted name, base64url (a tombstone keeps the deleted node's). */
    encName: base64url(MAX_ENC_NAME),
    /** Encrypted, authenticated manifest, base64url. */
    manifest: base64url(MAX_MANIFEST),
    /** Chunk ids in file order (may repeat); empty for folders and tombstones. */
    chunks: z.array(hexId).max(MAX_CHUNKS),
    /** Sum of the stored sizes of `chunks`. */
    size: z.number().int().min(0),
    /** Committing machine, null when committed by a user from the dashboard. */
    machineId: z.string().min(1).max(128).nullable(),
    /** The client's operation id: a retry of it answers this version. */
    opId,
    origin: versionOrigin,
  })
  .strict()
  // What the commit checks guarantee, so a stored event cannot say otherwise (E1).
  .refine((p) => p.nodeId !== ROOT_NODE_ID, { message: "the root is never committed", path: ["nodeId"] })
  .refine((p) => p.parentId !== p.nodeId, { message: "a node is never its own parent", path: ["parentId"] })
  .refine((p) => p.kind === "file" || (p.chunks.length === 0 && p.size === 0), { message: "only a file version has chunks and a size", path: ["chunks"] })
  .refine((p) => p.kind !== "delete" || p.origin.type === "commit", { message: "a deletion is committed, never restored", path: ["origin"] });

/** Payload of `FileVersionCommitted` v1. */
export type FileVersionCommittedV1 = z.infer<typeof fileVersionCommittedV1>;
