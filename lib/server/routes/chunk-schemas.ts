/**
 * Request body schemas of the chunk routes (S6).
 */
import { z } from "zod";
import { MAX_BATCH_CHUNKS } from "../chunks/batch.ts";

/** Most ids in one `POST /api/chunks/missing`. */
export const MAX_MISSING_IDS = 10_000;

/** A chunk id: 64 lowercase hex characters (a keyed hash, opaque). */
export const chunkIdSchema = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters");

/** `POST /api/chunks/missing`. */
export const missingBodySchema = z.object({ ids: z.array(chunkIdSchema).min(1).max(MAX_MISSING_IDS) }).strict();

/** `POST /api/chunks/fetch`. */
export const fetchBodySchema = z.object({ ids: z.array(chunkIdSchema).min(1).max(MAX_BATCH_CHUNKS) }).strict();

/** The optional `X-Content-SHA256` header of `PUT /api/chunks/:id`. */
export const digestHeaderSchema = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters").optional();
