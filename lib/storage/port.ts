/**
 * The chunk storage port: what the server needs from a place that keeps
 * opaque, immutable blobs (encrypted chunks). Adapters: `local.ts` (a folder
 * on disk) and `s3.ts` (any S3-compatible service). Every adapter passes the
 * one conformance suite in `tests/storage/conformance.ts`.
 *
 * Contract:
 * - Keys are lowercase hex strings of 64 characters (chunk ids). Adapters
 *   refuse anything else with `InvalidKeyError`, so no key can escape the
 *   store's root or prefix.
 * - `put` is atomic: a reader sees either no object or the whole object,
 *   never a prefix of it, even when the process is killed mid-write.
 *   Putting a key that already exists replaces it (chunks are
 *   content-addressed, so the bytes are the same); it is never an error.
 * - `put` streams: it never buffers more than one chunk's bytes (the S3
 *   adapter holds one object in memory, the local one only the piece being
 *   written) and returns the stored length and the SHA-256 of the stored
 *   bytes (for a `Uint8Array` body an adapter may compute that digest when
 *   it is first read, from the same bytes: the caller leaves them unchanged,
 *   and a caller that knows the digest already hashes nothing twice).
 *   When `expected` values are given and differ, nothing is stored
 *   (an object already stored under the key stays as it was) and
 *   `IntegrityError` is thrown.
 * - `get` returns null for a missing key; otherwise a stream of the stored
 *   bytes. `getBytes` (optional) returns them whole, for small objects.
 * - `getRange` returns `length` bytes from byte `offset` of the object (a
 *   chunk inside a pack), fewer when the object ends sooner (none when it
 *   ends before `offset`), null for a missing key.
 * - `delete` of a missing key is not an error.
 * - `list` yields every stored key exactly once (in no promised order).
 *
 * Errors (`errors.ts`): `InvalidKeyError` for a malformed key,
 * `IntegrityError` and `TooLargeError` for a refused body (nothing stored),
 * `StorageUnavailableError` (with a `reason`) when the store cannot serve:
 * disk full, credentials refused, bucket missing, service unreachable after
 * the adapter's bounded retries. A failing body stream's own error is passed
 * on as is.
 */
export interface ChunkStore {
  /** Short adapter name, `local` or `s3`. */
  readonly kind: string;
  /** Human-readable location printed at start-up (a folder, or `s3://bucket/prefix @ endpoint`). */
  readonly location: string;
  /**
   * Stores `body` under `key`, atomically, checking `expected` first. A
   * stream body is cancelled when the put stops reading it early.
   */
  put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, expected?: PutExpectation): Promise<StoredObject>;
  /** The stored bytes as a stream (read it to the end or cancel it), or null when there is no object. */
  get(key: string): Promise<ReadableStream<Uint8Array> | null>;
  /**
   * Optional fast path for small objects: the whole object in one buffer,
   * null when there is none; an object longer than `maxBytes` fails with
   * `TooLargeError`. Callers fall back to `get` when an adapter lacks it.
   */
  getBytes?(key: string, maxBytes: number): Promise<Uint8Array | null>;
  /**
   * Reads `length` bytes from byte `offset` of the object in one buffer: a
   * packed chunk (lib/server/chunks/pack.ts). The answer is shorter when the
   * object ends before `offset + length` (empty when it ends before
   * `offset`); null when there is no object. Callers check the length.
   */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | null>;
  /** The stored object's size, or null when there is no object. */
  stat(key: string): Promise<{ size: number } | null>;
  /** Whether an object is stored under `key`. */
  has(key: string): Promise<boolean>;
  /** Removes the object; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Every stored key once, with its size. */
  list(): AsyncIterable<{ key: string; size: number }>;
  /** Release sockets, timers and file handles. */
  close(): Promise<void>;
}

/** Values `put` checks before it makes an object visible. */
export interface PutExpectation {
  /** Expected length in bytes. */
  size?: number;
  /** Expected SHA-256 of the bytes, lowercase hex. */
  sha256?: string;
  /** Refuse (with `TooLargeError`) a body longer than this many bytes. */
  maxSize?: number;
}

/** What `put` stored. */
export interface StoredObject {
  key: string;
  size: number;
  /** SHA-256 of the stored bytes, lowercase hex. */
  sha256: string;
}
