/**
 * Request body and query schemas of the file and trash routes (the chunk
 * routes have theirs in chunk-schemas.ts).
 */
import { z } from "zod";
import { base64, hexId, MAX_CHUNKS, MAX_ENC_NAME, MAX_MANIFEST, versionKind } from "../../events/schemas/common.ts";

/** Most items in one `POST /api/commits`. */
export const MAX_COMMIT_ITEMS = 1000;

const version = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** One version in a commit. */
export const commitItemSchema = z
  .object({
    pathId: hexId,
    parentId: hexId,
    parentVersion: version,
    kind: versionKind,
    encName: base64(MAX_ENC_NAME),
    manifest: base64(MAX_MANIFEST),
    chunks: z.array(hexId).max(MAX_CHUNKS).default([]),
  })
  .strict();

/** `POST /api/commits`. */
export const commitBodySchema = z.object({ items: z.array(commitItemSchema).min(1).max(MAX_COMMIT_ITEMS) }).strict();

/** `GET /api/changes`. */
export const changesQuerySchema = z.object({
  since: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

/** `GET /api/snapshot`. */
export const snapshotQuerySchema = z.object({
  after: z.union([hexId, z.literal("")]).default(""),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

/** `GET /api/tree`. */
export const treeQuerySchema = z.object({
  parentId: hexId,
  after: z.union([hexId, z.literal("")]).default(""),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  includeDeleted: z.enum(["true", "false"]).default("false"),
});

/** `POST /api/files/:pathId/restore`. */
export const versionRestoreSchema = z
  .object({ version: version.min(1), parentVersion: version, manifest: base64(MAX_MANIFEST), chunks: z.array(hexId).max(MAX_CHUNKS) })
  .strict();

/** `GET /api/trash`. */
export const trashQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  before: z.coerce.number().int().min(0).optional(),
});

/** `POST /api/trash/restore`. */
export const trashRestoreSchema = z
  .object({
    pathId: hexId,
    deletedVersion: version.min(1),
    chunks: z.array(hexId).max(MAX_CHUNKS),
    original: z.object({ parentVersion: version, manifest: base64(MAX_MANIFEST) }).strict(),
    alternative: z.object({ pathId: hexId, encName: base64(MAX_ENC_NAME), parentVersion: version, manifest: base64(MAX_MANIFEST) }).strict(),
  })
  .strict();

/** `POST /api/admin/purge-trash`. */
export const purgeBodySchema = z.object({ olderThanDays: z.number().min(0).max(36500).optional() }).strict();
