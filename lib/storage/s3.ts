/**
 * The S3 adapter: chunks as objects in an S3-compatible bucket (AWS, OVH,
 * MinIO, Ceph, Swift's s3api…), over `fetch` with SigV4 signing.
 *
 * Objects are named `<prefix><key>`. A put reads the body once into memory
 * (one object, never more than `maxObjectSize`), hashing and counting it as
 * it arrives; it checks the caller's expectations before anything is sent,
 * then sends one PUT whose signed `x-amz-content-sha256` lets the service
 * reject bytes damaged in transit, or, for a body over `multipartPartSize`,
 * a multipart upload whose parts are each signed the same way
 * (`s3-multipart.ts`). Both are atomic in S3: a single PUT, like the
 * completion of a multipart upload, shows readers the old object or the new
 * one, never a part.
 */
import { bodyPieces, type ChunkBody } from "./body.ts";
import { StorageUnavailableError, TooLargeError } from "./errors.ts";
import { assertRange, assertValidKey, isValidKey } from "./keys.ts";
import { BodyMeter } from "./meter.ts";
import type { ChunkStore, PutExpectation, StoredObject } from "./port.ts";
import {
  bucketUrl,
  canonicalQuery,
  describeS3Location,
  objectUrl,
  resolveS3Config,
  type ResolvedS3Config,
  type S3ChunkStoreConfig,
} from "./s3-config.ts";
import { s3Error, s3ResponseError } from "./s3-errors.ts";
import { putMultipart } from "./s3-multipart.ts";
import { S3Transport } from "./s3-transport.ts";
import { parseErrorBody, parseListPage, S3XmlError, type ListPage } from "./s3-xml.ts";
import { readCapped } from "../streams/read-capped.ts";

/**
 * Opens a chunk store in an S3 bucket and checks that it answers: the
 * credentials are accepted, the bucket exists and may be listed.
 * @throws StorageConfigError for an unusable configuration.
 * @throws StorageUnavailableError when the service, the credentials or the bucket fail the check.
 */
export async function openS3ChunkStore(config: S3ChunkStoreConfig): Promise<S3ChunkStore> {
  const store = new S3ChunkStore(config);
  await store.check();
  return store;
}

/** A `ChunkStore` in an S3 bucket. `openS3ChunkStore` also checks the connection. */
export class S3ChunkStore implements ChunkStore {
  readonly kind = "s3";
  readonly location: string;
  private readonly config: ResolvedS3Config;
  private readonly transport: S3Transport;

  /**
   * @param config endpoint, bucket, credentials and tuning.
   * @throws StorageConfigError for an unusable configuration.
   */
  constructor(config: S3ChunkStoreConfig) {
    this.config = resolveS3Config(config);
    this.transport = new S3Transport(this.config);
    this.location = describeS3Location(this.config);
  }

  /**
   * Lists at most one object under the prefix, which proves the endpoint,
   * the credentials, the region and the bucket.
   * @throws StorageUnavailableError naming what failed.
   */
  async check(): Promise<void> {
    const response = await this.transport.send({
      method: "GET",
      url: this.listUrl(undefined, 1),
      doing: "open the chunk store",
    });
    if (!response.ok) throw await s3ResponseError(response, this.config, "open the chunk store");
    await response.body?.cancel();
  }

  /**
   * Reads the body (one object at most) and checks it, then sends one signed
   * PUT, or a multipart upload when it is over `multipartPartSize`.
   */
  async put(key: string, body: ChunkBody, expected?: PutExpectation): Promise<StoredObject> {
    assertValidKey(key);
    const meter = new BodyMeter(key, expected, this.config.maxObjectSize);
    const bytes = await readAll(body, meter);
    const stored = meter.finish();
    const doing = `store chunk ${key}`;
    if (bytes.byteLength > this.config.multipartPartSize) {
      await putMultipart(this.transport, `${this.config.prefix}${key}`, bytes, doing);
      return stored;
    }
    const response = await this.transport.send({
      method: "PUT",
      url: this.urlOf(key),
      body: bytes,
      bodySha256: stored.sha256,
      doing,
    });
    if (!response.ok) throw await s3ResponseError(response, this.config, doing);
    await response.body?.cancel();
    return stored;
  }

  /** GETs the object and returns its body stream; null when there is none. */
  async get(key: string): Promise<ReadableStream<Uint8Array> | null> {
    assertValidKey(key);
    const doing = `read chunk ${key}`;
    const response = await this.transport.send({ method: "GET", url: this.urlOf(key), doing });
    if (response.status === 404) {
      const body = await response.text().catch(() => "");
      if (parseErrorBody(body).code === "NoSuchBucket") {
        throw s3Error({ status: 404, statusText: response.statusText, body }, this.config, doing);
      }
      return null;
    }
    if (!response.ok) throw await s3ResponseError(response, this.config, doing);
    return response.body ?? emptyStream();
  }

  /** GETs a small object whole, refusing one longer than `maxBytes` (by its length, or while reading); null when there is none. */
  async getBytes(key: string, maxBytes: number): Promise<Uint8Array | null> {
    const body = await this.get(key);
    if (!body) return null;
    return readCapped(body, maxBytes, () => new TooLargeError(key, maxBytes));
  }

  /**
   * GETs `bytes=offset-(offset+length-1)` of the object. A service that
   * ignores the range (200 with the whole object) is read and cut; one that
   * answers 416 (the object ends before `offset`) gives no bytes.
   */
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | null> {
    assertValidKey(key);
    assertRange(offset, length);
    if (length === 0) return (await this.stat(key)) === null ? null : new Uint8Array(0);
    const doing = `read chunk ${key} (bytes ${offset}+${length})`;
    const response = await this.transport.send({
      method: "GET",
      url: this.urlOf(key),
      headers: { range: `bytes=${offset}-${offset + length - 1}` },
      doing,
    });
    if (response.status === 404) {
      const body = await response.text().catch(() => "");
      if (parseErrorBody(body).code === "NoSuchBucket") {
        throw s3Error({ status: 404, statusText: response.statusText, body }, this.config, doing);
      }
      return null;
    }
    if (response.status === 416) {
      await response.body?.cancel().catch(() => undefined);
      return new Uint8Array(0);
    }
    if (!response.ok) throw await s3ResponseError(response, this.config, doing);
    // 206 starts where Content-Range says (some services widen a range,
    // s3rver answers bytes=0-0 with the whole object); 200 is the whole object.
    const whole = new Uint8Array(await response.arrayBuffer());
    const start = response.status === 206 ? rangeStart(response.headers.get("content-range")) ?? offset : 0;
    const from = Math.min(Math.max(offset - start, 0), whole.byteLength);
    return whole.subarray(from, Math.min(from + length, whole.byteLength));
  }

  /** HEADs the object: its size, or null when there is none. */
  async stat(key: string): Promise<{ size: number } | null> {
    assertValidKey(key);
    const doing = `look up chunk ${key}`;
    const response = await this.transport.send({ method: "HEAD", url: this.urlOf(key), doing });
    if (response.status === 404) return null;
    if (!response.ok) throw await s3ResponseError(response, this.config, doing);
    const size = Number(response.headers.get("content-length"));
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new StorageUnavailableError(`Cannot ${doing}: S3 at ${this.location} sent no object size`, "rejected");
    }
    return { size };
  }

  /** Whether an object is stored under `key`. */
  async has(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  /** DELETEs the object; S3 answers success for a missing one too. */
  async delete(key: string): Promise<void> {
    assertValidKey(key);
    const doing = `delete chunk ${key}`;
    const response = await this.transport.send({ method: "DELETE", url: this.urlOf(key), doing });
    if (!response.ok && response.status !== 404) throw await s3ResponseError(response, this.config, doing);
    await response.body?.cancel();
  }

  /** Pages through ListObjectsV2 under the prefix; objects that are not chunks are skipped. */
  async *list(): AsyncIterable<{ key: string; size: number }> {
    const { prefix } = this.config;
    let token: string | undefined;
    for (;;) {
      const doing = "list chunks";
      const response = await this.transport.send({ method: "GET", url: this.listUrl(token), doing });
      if (!response.ok) throw await s3ResponseError(response, this.config, doing);
      const page = this.readListPage(await response.text(), doing);
      for (const object of page.objects) {
        const key = object.key.startsWith(prefix) ? object.key.slice(prefix.length) : "";
        if (isValidKey(key)) yield { key, size: object.size };
      }
      if (!page.truncated) return;
      if (!page.nextToken || page.nextToken === token) {
        throw new StorageUnavailableError(
          `Cannot list chunks: S3 at ${this.location} sent a truncated page without a new continuation token`,
          "rejected",
        );
      }
      token = page.nextToken;
    }
  }

  /** Nothing to release: requests use the runtime's shared fetch connection pool. */
  async close(): Promise<void> {}

  private urlOf(key: string): string {
    return objectUrl(this.config, `${this.config.prefix}${key}`);
  }

  private listUrl(token: string | undefined, maxKeys = this.config.listPageSize): string {
    const query = canonicalQuery({
      ...(token === undefined ? {} : { "continuation-token": token }),
      "list-type": "2",
      "max-keys": String(maxKeys),
      prefix: this.config.prefix,
    });
    return bucketUrl(this.config, query);
  }

  /** A listing page; an answer that is not one is a `rejected` failure, never an empty page. */
  private readListPage(xml: string, doing: string): ListPage {
    try {
      return parseListPage(xml);
    } catch (error) {
      if (!(error instanceof S3XmlError)) throw error;
      throw new StorageUnavailableError(`Cannot ${doing}: S3 at ${this.location} sent an unreadable listing (${error.message})`, "rejected");
    }
  }
}

/** Collects the body into one buffer while the meter checks each piece. */
async function readAll(body: ChunkBody, meter: BodyMeter): Promise<Uint8Array<ArrayBuffer>> {
  const pieces: Uint8Array[] = [];
  for await (const piece of bodyPieces(body)) {
    meter.update(piece);
    pieces.push(piece);
  }
  const only = pieces.length === 1 ? pieces[0] : undefined;
  if (only && only.buffer instanceof ArrayBuffer) return only as Uint8Array<ArrayBuffer>;
  const bytes = new Uint8Array(meter.size);
  let offset = 0;
  for (const piece of pieces) {
    bytes.set(piece, offset);
    offset += piece.byteLength;
  }
  return bytes;
}

/** The first byte of a `Content-Range: bytes a-b/n` answer, or null. */
function rangeStart(header: string | null): number | null {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(header?.trim() ?? "");
  return match ? Number(match[1]) : null;
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.close();
    },
  });
}
