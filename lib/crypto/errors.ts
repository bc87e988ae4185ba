/**
 * Typed crypto errors. Messages are meant for the person at the keyboard:
 * they say what went wrong and, where it helps, what to do.
 */

/** Base of every error this module throws on bad input. */
export class CryptoError extends Error {
  override name = "CryptoError";
}

/**
 * Data failed authentication: it was altered, swapped, reordered, replayed or
 * moved. All integrity failures look the same from the outside (rule 7).
 */
export class IntegrityError extends CryptoError {
  override name = "IntegrityError";
}

/**
 * The password (or recovery key) does not open the key file. A subclass of
 * `IntegrityError`: a wrong password and an altered key file are
 * indistinguishable to an attacker who changed the file.
 */
export class WrongPasswordError extends IntegrityError {
  override name = "WrongPasswordError";
}

/** The data is in a format version this build does not know. */
export class UnsupportedVersionError extends CryptoError {
  override name = "UnsupportedVersionError";
}

/** Key-derivation parameters weaker than the pinned minimum, or absurdly large. */
export class KdfParametersError extends CryptoError {
  override name = "KdfParametersError";
}

/** A recovery key that does not parse or whose checksum fails. */
export class InvalidRecoveryKeyError extends CryptoError {
  override name = "InvalidRecoveryKeyError";
}

/** A path that cannot be synced (absolute, `..`, empty component, NUL…). */
export class InvalidPathError extends CryptoError {
  override name = "InvalidPathError";
}

/**
 * An object names a key epoch this keyring does not hold: the key file is
 * stale (fetch the current one) or the object is forged. A subclass of
 * `IntegrityError`; the epoch is public (it is in the object's header).
 */
export class UnknownEpochError extends IntegrityError {
  override name = "UnknownEpochError";
}

/**
 * The server offers a version more than one ahead of the highest version
 * seen of a node: nothing links it to what was seen, so it is refused until
 * the versions in between are fetched and checked as a chain
 * (`HistoryGuard.acceptChain`). A subclass of `IntegrityError`.
 */
export class HistoryGapError extends IntegrityError {
  override name = "HistoryGapError";
  /**
   * @param nodeId The node.
   * @param seenVersion The highest version seen.
   * @param offeredVersion The version offered.
   */
  constructor(
    readonly nodeId: string,
    readonly seenVersion: number,
    readonly offeredVersion: number,
  ) {
    const missing = offeredVersion - seenVersion === 2 ? `version ${seenVersion + 1}` : `versions ${seenVersion + 1} to ${offeredVersion - 1}`;
    super(`Refusing node ${nodeId}: the server offers version ${offeredVersion} but version ${seenVersion} is the last seen; fetch ${missing} and check the chain`);
  }

  /** The versions to fetch and check before the offered one, in order. */
  get missing(): number[] {
    const out: number[] = [];
    for (let v = this.seenVersion + 1; v < this.offeredVersion; v++) out.push(v);
    return out;
  }
}
