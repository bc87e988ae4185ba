/**
 * Request body and query schemas of the file and trash routes (the chunk
 * routes have theirs in chunk-schemas.ts).
 */
import { z } from "zod";
import { base64url, hexId, MAX_CHUNKS, MAX_ENC_NAME, MAX_MANIFEST, nodeId, opId, versionKind } from "../../events/schemas/common.ts";

/** Most items in one `POST /api/commits`. */
export const MAX_COMMIT_ITEMS = 1000;

const version = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** One item of a commit: create, update, move/rename or delete a node. */
export const commitItemSchema = z
  .object({
    opId,
    nodeId,
    /** The folder after the item; a deletion keeps the node's. */
    parentId: nodeId.optional(),
    baseVersion: version,
    kind: versionKind,
    /** The name after the item; a deletion keeps the node's. */
    encName: base64url(MAX_ENC_NAME).optional(),
    manifest: base64url(MAX_MANIFEST),
    /** Omitted on an existing file: its chunks stay (a move or rename). */
    chunks: z.array(hexId).max(MAX_CHUNKS).optional(),
  })
  .strict()
  .superRefine((item, ctx) => {
    if (item.kind === "delete") return;
    if (item.parentId === undefined) ctx.addIssue({ code: "custom", path: ["parentId"], message: "required unless kind is delete" });
    if (item.encName === undefined) ctx.addIssue({ code: "custom", path: ["encName"], message: "required unless kind is delete" });
  });

/** `POST /api/commits`: `atomic` records all items or none. */
export const commitBodySchema = z
  .object({ items: z.array(commitItemSchema).min(1).max(MAX_COMMIT_ITEMS), atomic: z.boolean().default(false) })
  .strict();

/** `GET /api/changes`. */
export const changesQuerySchema = z.object({
  since: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

/** `GET /api/snapshot`: later pages pass back the first page's `cursor`. */
export const snapshotQuerySchema = z.object({
  after: z.union([nodeId, z.literal("")]).default(""),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  cursor: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

/** `GET /api/tree`. */
export const treeQuerySchema = z.object({
  parentId: nodeId,
  after: z.union([nodeId, z.literal("")]).default(""),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  includeDeleted: z.enum(["true", "false"]).default("false"),
});

/** `GET /api/files/:nodeId/versions`: newest first, `before` a version (exclusive). */
export const versionsQuerySchema = z.object({
  before: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** `POST /api/files/:nodeId/restore`. */
export const versionRestoreSchema = z
  .object({ opId, version: version.min(1), baseVersion: version, manifest: base64url(MAX_MANIFEST), chunks: z.array(hexId).max(MAX_CHUNKS) })
  .strict();

/** `GET /api/trash`: `cursor` is the previous page's `nextCursor`. */
export const trashQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  cursor: z.string().min(1).max(200).optional(),
});

/** `POST /api/trash/restore`. */
export const trashRestoreSchema = z
  .object({
    opId,
    nodeId,
    deletedVersion: version.min(1),
    chunks: z.array(hexId).max(MAX_CHUNKS),
    original: z.object({ manifest: base64url(MAX_MANIFEST) }).strict(),
    alternative: z.object({ parentId: nodeId.optional(), encName: base64url(MAX_ENC_NAME), manifest: base64url(MAX_MANIFEST) }).strict(),
  })
  .strict();

/** `POST /api/admin/purge-trash`. */
export const purgeBodySchema = z.object({ olderThanDays: z.number().min(0).max(36500).optional() }).strict();
