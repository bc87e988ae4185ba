/**
 * Field schemas shared by event payloads and API bodies.
 */
import { z } from "zod";

/** An opaque id: 64 lowercase hex characters. */
export const hexId = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters");

/** Standard base64 (with padding), at most `max` characters. */
export function base64(max: number): z.ZodString {
  return z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64");
}

/** Largest encrypted name, in base64 characters. */
export const MAX_ENC_NAME = 4096;
/** Largest encrypted manifest, in base64 characters (a 1 MiB manifest lists ~25,000 chunks). */
export const MAX_MANIFEST = 1_400_000;
/** Most chunks in one file version. */
export const MAX_CHUNKS = 20_000;

/** Kinds of a file version: a file, a folder, or a deletion tombstone. */
export const versionKind = z.enum(["file", "dir", "delete"]);
