/**
 * Counts and hashes a `put` body as it passes, and enforces the limits and
 * expectations of the port contract: a body over the limit is refused as soon
 * as it crosses it (not after it was all read), and a body that differs from
 * what the caller expected is refused before anything becomes visible.
 * A body that is one buffer in memory need not be hashed as it passes: its
 * digest is computed once, from the same bytes, when it is checked or read
 * ({@link BodyMeter.finishWhole}).
 */
import { createHash, type Hash } from "node:crypto";
import { IntegrityError, TooLargeError } from "./errors.ts";
import type { PutExpectation, StoredObject } from "./port.ts";

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** Running size and SHA-256 of one `put` body, checked against its limits. */
export class BodyMeter {
  /** Bytes seen so far. */
  size = 0;
  private readonly hash: Hash = createHash("sha256");
  private readonly limit: number;

  /**
   * @param key the chunk key (for messages).
   * @param expected the caller's expectations, if any.
   * @param storeLimit the store's own object size limit in bytes.
   * @throws TooLargeError at once when the expected size is over the limit.
   * @throws TypeError when an expectation is malformed.
   */
  constructor(
    private readonly key: string,
    private readonly expected: PutExpectation | undefined,
    storeLimit: number,
  ) {
    const { size, sha256, maxSize } = expected ?? {};
    if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) {
      throw new TypeError(`Expected size must be a non-negative integer, got ${String(size)}`);
    }
    if (maxSize !== undefined && !(Number.isSafeInteger(maxSize) && maxSize >= 0)) {
      throw new TypeError(`maxSize must be a non-negative integer, got ${String(maxSize)}`);
    }
    if (sha256 !== undefined && !SHA256_PATTERN.test(sha256)) {
      throw new TypeError("Expected SHA-256 must be 64 lowercase hex characters");
    }
    this.limit = Math.min(storeLimit, maxSize ?? Number.POSITIVE_INFINITY);
    if (size !== undefined && size > this.limit) throw new TooLargeError(key, this.limit);
  }

  /** The most bytes this body may have. */
  get maxBytes(): number {
    return Math.min(this.limit, this.expected?.size ?? Number.POSITIVE_INFINITY);
  }

  /**
   * Accounts for the next piece of the body.
   * @throws TooLargeError when the body crosses the limit.
   * @throws IntegrityError when the body grows past the expected size.
   */
  update(piece: Uint8Array): void {
    this.count(piece);
    this.hash.update(piece);
  }

  /**
   * Accounts for the next piece's length only (no hashing).
   * @throws TooLargeError when the body crosses the limit.
   * @throws IntegrityError when the body grows past the expected size.
   */
  private count(piece: Uint8Array): void {
    this.size += piece.byteLength;
    if (this.size > this.limit) throw new TooLargeError(this.key, this.limit);
    const expectedSize = this.expected?.size;
    if (expectedSize !== undefined && this.size > expectedSize) {
      throw new IntegrityError(this.key, "size", expectedSize, `more than ${expectedSize}`);
    }
  }

  /**
   * Checks a body that is one buffer in memory, before it is written: its
   * size now, its SHA-256 only when one is expected; otherwise the digest is
   * computed when `sha256` of the answer is first read (from the same bytes,
   * which the caller keeps unchanged), so a caller that already knows it
   * hashes nothing twice.
   * @param bytes The whole body (no `update` before).
   * @returns What will be stored.
   * @throws TooLargeError when the body is over the limit.
   * @throws IntegrityError when the size or the SHA-256 differs from the expected one.
   */
  finishWhole(bytes: Uint8Array): StoredObject {
    this.count(bytes);
    const { size: expectedSize, sha256: expectedSha } = this.expected ?? {};
    if (expectedSize !== undefined && this.size !== expectedSize) {
      throw new IntegrityError(this.key, "size", expectedSize, this.size);
    }
    let digest: string | undefined;
    if (expectedSha !== undefined) {
      digest = createHash("sha256").update(bytes).digest("hex");
      if (digest !== expectedSha) throw new IntegrityError(this.key, "sha256", expectedSha, digest);
    }
    const { key, size } = this;
    return {
      key,
      size,
      get sha256(): string {
        digest ??= createHash("sha256").update(bytes).digest("hex");
        return digest;
      },
    };
  }

  /**
   * Ends the body and checks it against the expectations.
   * @returns what will be stored.
   * @throws IntegrityError when the size or the SHA-256 differs from the expected one.
   */
  finish(): StoredObject {
    const sha256 = this.hash.digest("hex");
    const { size: expectedSize, sha256: expectedSha } = this.expected ?? {};
    if (expectedSize !== undefined && this.size !== expectedSize) {
      throw new IntegrityError(this.key, "size", expectedSize, this.size);
    }
    if (expectedSha !== undefined && sha256 !== expectedSha) {
      throw new IntegrityError(this.key, "sha256", expectedSha, sha256);
    }
    return { key: this.key, size: this.size, sha256 };
  }
}

/** Default object size limit of every adapter: 64 MiB. */
export const DEFAULT_MAX_OBJECT_SIZE = 64 * 1024 * 1024;
