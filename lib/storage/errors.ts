/**
 * Typed errors of the chunk storage port. Every adapter throws these (and
 * only these, apart from the caller's own body stream failing), so callers
 * can tell a bad request (`InvalidKeyError`, `IntegrityError`,
 * `TooLargeError`) from a store that cannot serve (`StorageUnavailableError`)
 * without knowing which adapter is behind the port.
 */

/** Common base class: `instanceof StorageError` catches every storage error. */
export abstract class StorageError extends Error {
  /** Stable machine-readable code, for logs and HTTP mapping. */
  abstract readonly code: string;
}

/** A key that is not 64 lowercase hex characters (a chunk id). */
export class InvalidKeyError extends StorageError {
  readonly code = "STORAGE_INVALID_KEY";

  /** @param key the refused key, as given. */
  constructor(readonly key: unknown) {
    super(`Invalid chunk key ${describeValue(key)}: a key is 64 lowercase hex characters`);
    this.name = "InvalidKeyError";
  }
}

/** The stored bytes would not match what the caller said to expect; nothing was stored. */
export class IntegrityError extends StorageError {
  readonly code = "STORAGE_INTEGRITY";

  /**
   * @param key the chunk key.
   * @param what the property that differs.
   * @param expected what the caller expected.
   * @param actual what the body held.
   */
  constructor(
    readonly key: string,
    readonly what: "size" | "sha256",
    readonly expected: string | number,
    readonly actual: string | number,
  ) {
    super(
      what === "size"
        ? `Cannot store chunk ${key}: expected ${expected} bytes, got ${actual}`
        : `Cannot store chunk ${key}: expected SHA-256 ${expected}, got ${actual}`,
    );
    this.name = "IntegrityError";
  }
}

/** The body is longer than the caller's `maxSize` or the store's object size limit; nothing was stored. */
export class TooLargeError extends StorageError {
  readonly code = "STORAGE_TOO_LARGE";

  /**
   * @param key the chunk key.
   * @param limit the limit in bytes that was exceeded.
   */
  constructor(
    readonly key: string,
    readonly limit: number,
  ) {
    super(`Cannot store chunk ${key}: it is larger than the limit of ${limit} bytes`);
    this.name = "TooLargeError";
  }
}

/**
 * Why a store cannot serve:
 * - `auth`: the credentials were refused (wrong access key or secret).
 * - `permission`: the credentials or file permissions do not allow the operation.
 * - `missing-bucket`: the configured bucket does not exist.
 * - `config`: the configuration does not fit the service (wrong region, endpoint…).
 * - `full`: no space left on the device.
 * - `unreachable`: the service did not answer (network, DNS, timeout).
 * - `server-error`: the service kept failing (5xx) after every retry.
 * - `rejected`: the service refused the request for another reason.
 */
export type UnavailableReason =
  | "auth"
  | "permission"
  | "missing-bucket"
  | "config"
  | "full"
  | "unreachable"
  | "server-error"
  | "rejected";

/** The store cannot serve the request; the message says why and what to check. */
export class StorageUnavailableError extends StorageError {
  readonly code = "STORAGE_UNAVAILABLE";

  /**
   * @param message a complete sentence naming the store and the fix.
   * @param reason the kind of failure.
   * @param options `cause`: the underlying error, if any.
   */
  constructor(
    message: string,
    readonly reason: UnavailableReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StorageUnavailableError";
  }
}

/** A storage configuration that cannot work (missing or malformed setting). */
export class StorageConfigError extends StorageError {
  readonly code = "STORAGE_CONFIG";

  /** @param message what is wrong and which setting to change. */
  constructor(message: string) {
    super(message);
    this.name = "StorageConfigError";
  }
}

/** Shows a refused value in a message without flooding the log. */
function describeValue(value: unknown): string {
  if (typeof value !== "string") return `of type ${value === null ? "null" : typeof value}`;
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(shown);
}
