import { decryptFailure } from "./aead.ts";
import { readU32be } from "./bytes.ts";
import { IntegrityError, UnsupportedVersionError } from "./errors.ts";

/**
 * The header every encrypted object (chunk, manifest, name) starts with:
 * `format(1) ‖ epoch(4)`. Both are public and both are in the object's
 * associated data, so changing either makes decryption fail.
 */

/** Format version of chunks, manifests and names this build writes and reads. */
export const OBJECT_FORMAT_VERSION = 2;
/** Bytes of the object header: format byte and key epoch (u32). */
export const OBJECT_HEADER_BYTES = 5;

/**
 * Checks an object's format byte against this build and the vault's minimum
 * (rule 7: a downgraded object is refused, never followed).
 * @param format The format byte read.
 * @param minFormat The lowest format the vault's key file accepts.
 * @param what Object kind, for the message.
 * @throws IntegrityError below the vault's minimum; UnsupportedVersionError for a format this build does not read.
 */
export function checkObjectFormat(format: number | undefined, minFormat: number, what: string): void {
  if (format === undefined) throw new IntegrityError(decryptFailure(what));
  if (format < minFormat) {
    throw new IntegrityError(`Cannot decrypt ${what}: format version ${format} is below this vault's minimum ${minFormat} (a downgrade)`);
  }
  if (format !== OBJECT_FORMAT_VERSION) {
    throw new UnsupportedVersionError(`Cannot decrypt ${what}: format version ${format} is not supported by this version of SyncAgent`);
  }
}

/**
 * Reads the epoch of an object header.
 * @param bytes The object (at least `OBJECT_HEADER_BYTES` long).
 * @returns The epoch.
 */
export function headerEpoch(bytes: Uint8Array): number {
  return readU32be(bytes, 1);
}

/**
 * Writes an object header.
 * @param target Where to write (at offset 0).
 * @param epoch The key epoch.
 */
export function writeHeader(target: Uint8Array, epoch: number): void {
  target[0] = OBJECT_FORMAT_VERSION;
  new DataView(target.buffer, target.byteOffset, target.byteLength).setUint32(1, epoch);
}
