/**
 * Random secrets and their at-rest form. Session ids, invitation codes and
 * machine tokens are 256 random bits, shown once, and stored only as a
 * SHA-256 hex digest; a presented secret is looked up by its digest and the
 * stored digest is then compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";

/** Prefixes that make a leaked secret recognisable (secret scanners, logs). */
export const SECRET_PREFIX = { machineToken: "sam_", invitation: "sai_", session: "" } as const;

/**
 * Makes a new secret: a prefix and 32 random bytes in base64url (256 bits).
 * @param prefix Prefix such as `sam_`.
 * @returns The secret.
 */
export function newSecret(prefix: string): string {
  return prefix + randomBytes(32).toString("base64url");
}

/**
 * Makes a random opaque id (128 bits, hex) for rows.
 * @returns 32 hex characters.
 */
export function newId(): string {
  return randomBytes(16).toString("hex");
}

/**
 * The at-rest form of a secret.
 * @param secret The secret as presented.
 * @returns SHA-256 of its UTF-8 bytes, lowercase hex.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/**
 * Compares two strings in time that depends only on their lengths.
 * @param a One string.
 * @param b The other.
 * @returns Whether they are equal.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/** Characters a well-formed secret may contain (base64url plus the prefix underscore). */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * Whether a string has the shape of one of our secrets: cheap input
 * validation before any database lookup.
 * @param value The presented value.
 * @returns True when it could be a secret.
 */
export function looksLikeSecret(value: string): boolean {
  return SECRET_SHAPE.test(value);
}
