/**
 * Chunk keys: 64 lowercase hex characters. Checked before a key touches a
 * path or a URL, so no key can escape the store's root or prefix.
 */
import { InvalidKeyError } from "./errors.ts";

const KEY_PATTERN = /^[0-9a-f]{64}$/;

/** True when `key` is a well-formed chunk key. */
export function isValidKey(key: unknown): key is string {
  return typeof key === "string" && KEY_PATTERN.test(key);
}

/** Throws `InvalidKeyError` unless `key` is a well-formed chunk key. */
export function assertValidKey(key: unknown): asserts key is string {
  if (!isValidKey(key)) throw new InvalidKeyError(key);
}

/**
 * Refuses a byte range that is not two non-negative safe integers.
 * @param offset First byte.
 * @param length Number of bytes.
 * @throws RangeError for anything else.
 */
export function assertRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`Invalid byte range: offset ${offset}, length ${length}`);
  }
}
