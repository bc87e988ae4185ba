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

/** Base64url without padding (RFC 4648 §5), at most `max` characters: encrypted names and manifests (v2). */
export function base64url(max: number): z.ZodString {
  return z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, "must be base64url without padding");
}

/** A node id: 32 lowercase hex characters chosen by the client (its clock in ms, then 80 random bits: lib/crypto/node-id.ts). */
export const nodeId = z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lowercase hex characters");

/** The vault root: a reserved node, always a live folder, never committed. */
export const ROOT_NODE_ID = "00000000000000000000000000000000";

/** A client-chosen operation id (commit items, restores): what makes a retry safe. */
export const opId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "must be 16-64 characters of A-Z a-z 0-9 _ -");

/** Largest encrypted name, in base64url characters. */
export const MAX_ENC_NAME = 600;
/** Largest encrypted manifest, in base64 characters (a 1 MiB manifest lists ~25,000 chunks). */
export const MAX_MANIFEST = 1_400_000;
/** Most chunks in one file version. */
export const MAX_CHUNKS = 20_000;

/** Kinds of a file version: a file, a folder, or a deletion tombstone. */
export const versionKind = z.enum(["file", "dir", "delete"]);
