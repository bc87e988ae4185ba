/**
 * Multipart upload of one object that is already in memory and checked:
 * CreateMultipartUpload (`POST ?uploads`), then UploadPart
 * (`PUT ?partNumber=N&uploadId=…`) for each part, at most
 * `PART_CONCURRENCY` at a time, each signed with its own payload SHA-256,
 * then CompleteMultipartUpload (`POST ?uploadId=…`) listing the parts and
 * their ETags. Completion is atomic in S3: readers see the old object or the
 * new one, never a part. A 200 answer to the completion whose body is not a
 * `<CompleteMultipartUploadResult>` (S3 reports some failures as an `<Error>`
 * inside a 200) is a failure.
 *
 * On any failure after the upload was created, the parts still in flight
 * are awaited, then the upload is aborted (`DELETE ?uploadId=…`) on a best
 * effort basis, and the first failure is what is thrown. A process that dies
 * mid-upload cannot abort: the bucket's lifecycle rule for incomplete
 * multipart uploads removes those parts (see docs/storage.md).
 */
import { createHash } from "node:crypto";
import { StorageUnavailableError } from "./errors.ts";
import { canonicalQuery, describeS3Location, objectUrl } from "./s3-config.ts";
import { s3Error, s3ResponseError } from "./s3-errors.ts";
import type { S3Transport } from "./s3-transport.ts";
import { completeUploadBody, parseCompleteAnswer, parseUploadId, S3XmlError, type UploadedPart } from "./s3-xml.ts";

/** Parts sent at the same time. */
export const PART_CONCURRENCY = 2;

/** One part of an object: bytes `[start, end)`. */
export interface PartRange {
  partNumber: number;
  start: number;
  end: number;
}

/**
 * Cuts `size` bytes into parts of `partSize` bytes, the last one shorter
 * (an empty object is one empty part).
 */
export function splitIntoParts(size: number, partSize: number): PartRange[] {
  const parts: PartRange[] = [];
  for (let start = 0, partNumber = 1; start < size || partNumber === 1; start += partSize, partNumber++) {
    parts.push({ partNumber, start, end: Math.min(size, start + partSize) });
  }
  return parts;
}

/**
 * Stores `bytes` as the object `objectName` with a multipart upload, in
 * parts of `transport.config.multipartPartSize` bytes.
 * @param doing what the upload does, for messages (`store chunk ab12…`).
 * @throws StorageUnavailableError for the first failure; the upload was aborted (best effort).
 */
export async function putMultipart(
  transport: S3Transport,
  objectName: string,
  bytes: Uint8Array<ArrayBuffer>,
  doing: string,
): Promise<void> {
  const upload = new MultipartUpload(transport, objectName, doing);
  const uploadId = await upload.create();
  try {
    const parts = await upload.sendParts(uploadId, bytes);
    await upload.complete(uploadId, parts);
  } catch (error) {
    await upload.abort(uploadId).catch(() => undefined);
    throw error;
  }
}

/** The requests of one multipart upload. */
class MultipartUpload {
  private readonly config: S3Transport["config"];

  constructor(
    private readonly transport: S3Transport,
    private readonly objectName: string,
    private readonly doing: string,
  ) {
    this.config = transport.config;
  }

  /** CreateMultipartUpload: the new upload's id. */
  async create(): Promise<string> {
    const doing = `${this.doing} (starting a multipart upload)`;
    const response = await this.transport.send({ method: "POST", url: this.url({ uploads: "" }), doing });
    if (!response.ok) throw await s3ResponseError(response, this.config, doing);
    const text = await response.text();
    try {
      return parseUploadId(text);
    } catch (error) {
      if (error instanceof S3XmlError) throw this.rejected(doing, `sent no upload id: ${error.message}`);
      throw error;
    }
  }

  /** UploadPart for every part, `PART_CONCURRENCY` at a time; stops starting parts after a failure. */
  async sendParts(uploadId: string, bytes: Uint8Array<ArrayBuffer>): Promise<UploadedPart[]> {
    const ranges = splitIntoParts(bytes.byteLength, this.config.multipartPartSize);
    const parts: UploadedPart[] = [];
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async (): Promise<void> => {
      for (let range = ranges[next++]; range && !failure; range = ranges[next++]) {
        try {
          parts.push(await this.sendPart(uploadId, bytes, range, ranges.length));
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, ranges.length) }, worker));
    if (failure) throw failure.error;
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  /** CompleteMultipartUpload; a 200 answer that is not a result is a failure. */
  async complete(uploadId: string, parts: readonly UploadedPart[]): Promise<void> {
    const doing = `${this.doing} (completing a multipart upload of ${parts.length} parts)`;
    const body = new TextEncoder().encode(completeUploadBody(parts));
    const response = await this.transport.send({
      method: "POST",
      url: this.url({ uploadId }),
      body,
      bodySha256: sha256Hex(body),
      headers: { "content-type": "application/xml" },
      doing,
    });
    if (!response.ok) throw await s3ResponseError(response, this.config, doing);
    const text = await response.text();
    const answer = parseCompleteAnswer(text);
    if (answer.completed) return;
    if (answer.error.code) throw s3Error({ status: response.status, statusText: response.statusText, body: text }, this.config, doing);
    throw this.rejected(doing, `answered ${response.status}, but ${answer.error.message}`);
  }

  /** AbortMultipartUpload; the caller ignores its failures. */
  async abort(uploadId: string): Promise<void> {
    const response = await this.transport.send({
      method: "DELETE",
      url: this.url({ uploadId }),
      doing: `${this.doing} (aborting a multipart upload)`,
    });
    await response.body?.cancel();
  }

  private async sendPart(uploadId: string, bytes: Uint8Array<ArrayBuffer>, range: PartRange, count: number): Promise<UploadedPart> {
    const { partNumber } = range;
    const doing = `${this.doing} (part ${partNumber} of ${count})`;
    const body = bytes.subarray(range.start, range.end);
    const response = await this.transport.send({
      method: "PUT",
      url: this.url({ partNumber: String(partNumber), uploadId }),
      body,
      bodySha256: sha256Hex(body),
      doing,
    });
    if (!response.ok) throw await s3ResponseError(response, this.config, doing);
    await response.body?.cancel();
    const etag = response.headers.get("etag");
    if (!etag) throw this.rejected(doing, "sent no ETag for the part");
    return { partNumber, etag };
  }

  private url(query: Record<string, string>): string {
    return objectUrl(this.config, this.objectName, canonicalQuery(query));
  }

  private rejected(doing: string, what: string): StorageUnavailableError {
    return new StorageUnavailableError(`Cannot ${doing}: S3 at ${describeS3Location(this.config)} ${what}`, "rejected");
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
