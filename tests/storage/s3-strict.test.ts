/**
 * The S3 adapter against a strict S3 service (OpenStack Swift's s3api),
 * which checks SigV4 signatures and payload hashes: the conformance suite,
 * the clear errors for wrong credentials, a missing bucket and a wrong
 * region, the refusal of a body that is not the payload it was signed
 * for, and multipart uploads (each part signed with its own payload hash;
 * aborted uploads checked with ListMultipartUploads). Skipped only outside CI when Swift is not installed (see
 * docs/storage.md, "Strict S3 tests").
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClient } from "aws4fetch";
import { StorageUnavailableError } from "../../lib/storage/errors.ts";
import { openS3ChunkStore, S3ChunkStore } from "../../lib/storage/s3.ts";
import type { S3ChunkStoreConfig } from "../../lib/storage/s3-config.ts";
import { describeChunkStoreConformance } from "./conformance.ts";
import { randomBytes, randomKey, readAll } from "./helpers/bytes.ts";
import { multipartCases } from "./helpers/multipart-cases.ts";
import {
  abortMultipartUpload,
  createBucket,
  listMultipartUploads,
  planStrictS3,
  startStrictS3,
  strictS3Credentials,
  type StrictS3,
} from "./helpers/strict-s3.ts";

const BUCKET = "syncagent-strict";
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const plan = planStrictS3(process.env);
const skipReason = plan.kind === "skip" ? plan.reason : undefined;
if (skipReason) console.warn(`Skipping the strict S3 tests: ${skipReason}`);
const credentials = strictS3Credentials(process.env);
let service: StrictS3 | undefined;
let prefixCounter = 0;

beforeAll(async () => {
  if (skipReason) return;
  service = await startStrictS3(plan);
  await createBucket(service.endpoint, credentials, BUCKET);
}, 180_000);

afterAll(async () => {
  await service?.stop();
}, 60_000);

function configFor(overrides: Partial<S3ChunkStoreConfig> = {}): S3ChunkStoreConfig {
  if (!service) throw new Error("the strict S3 service did not start");
  return {
    endpoint: service.endpoint,
    bucket: BUCKET,
    prefix: `run-${Date.now()}-${process.pid}-${++prefixCounter}`,
    forcePathStyle: true,
    retryBaseDelayMs: 20,
    ...credentials,
    ...overrides,
  };
}

describeChunkStoreConformance(
  "s3 (Swift s3api, strict)",
  (options) =>
    openS3ChunkStore(
      configFor({
        ...(options.maxObjectSize === undefined ? {} : { maxObjectSize: options.maxObjectSize }),
        ...(options.listPageSize === undefined ? {} : { listPageSize: options.listPageSize }),
      }),
    ),
  { skipReason },
);

describe.skipIf(skipReason !== undefined)("S3ChunkStore on a strict S3 service", () => {
  it("refuses a wrong secret with a clear authentication error", async () => {
    const failure = openS3ChunkStore(configFor({ secretAccessKey: "not-the-secret" }));
    await expect(failure).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(failure).rejects.toMatchObject({ reason: "auth" });
    await expect(failure).rejects.toThrow(
      /Cannot open the chunk store: S3 at .* answered 403 SignatureDoesNotMatch: the secret access key is wrong for access key test:tester/,
    );
  });

  it("refuses a PUT whose signed payload SHA-256 does not match the body, and stores nothing", async () => {
    if (!service) throw new Error("the strict S3 service did not start");
    const client = new AwsClient({ ...credentials, service: "s3", retries: 0 });
    const url = `${service.endpoint.replace(/\/+$/, "")}/${BUCKET}/run-${Date.now()}-${process.pid}-payload/${randomKey()}`;
    const body = randomBytes(1_000);
    const other = randomBytes(1_000);
    const otherSha256 = Buffer.from(await crypto.subtle.digest("SHA-256", other)).toString("hex");
    // aws4fetch signs the x-amz-content-sha256 it is given: the signature is valid, the payload is not the one signed.
    const res = await client.fetch(url, { method: "PUT", body, headers: { "x-amz-content-sha256": otherSha256 } });
    const text = await res.text();
    expect([400, 403], text).toContain(res.status);
    // AWS and MinIO say XAmzContentSHA256Mismatch; Swift's s3api says BadDigest (400).
    expect(text).toMatch(/<Code>(XAmzContentSHA256Mismatch|BadDigest)<\/Code>/);
    const head = await client.fetch(url, { method: "HEAD", headers: { "x-amz-content-sha256": EMPTY_SHA256 } });
    expect(head.status).toBe(404);
    // The same request with the true hash is accepted: only the mismatch was refused.
    const bodySha256 = Buffer.from(await crypto.subtle.digest("SHA-256", body)).toString("hex");
    const good = await client.fetch(url, { method: "PUT", body, headers: { "x-amz-content-sha256": bodySha256 } });
    expect(good.status, await good.text()).toBe(200);
  });

  it("refuses every operation signed with a wrong secret, and the right one still works", async () => {
    const config = configFor();
    const good = await openS3ChunkStore(config);
    const key = randomKey();
    const bytes = randomBytes(1_000);
    await good.put(key, bytes);
    const bad = new S3ChunkStore({ ...config, secretAccessKey: "wrong" });
    await expect(bad.put(randomKey(), randomBytes(10))).rejects.toMatchObject({ reason: "auth" });
    await expect(bad.get(key)).rejects.toMatchObject({ reason: "auth" });
    await expect(bad.stat(key)).rejects.toMatchObject({ reason: "auth" });
    await expect(bad.delete(key)).rejects.toMatchObject({ reason: "auth" });
    expect(await readAll((await good.get(key))!)).toEqual(bytes);
  });

  it("says the bucket is missing", async () => {
    const failure = openS3ChunkStore(configFor({ bucket: "syncagent-missing" }));
    await expect(failure).rejects.toMatchObject({ reason: "missing-bucket" });
    await expect(failure).rejects.toThrow(/bucket syncagent-missing does not exist/);
  });

  it("says the region is wrong", async () => {
    const failure = openS3ChunkStore(configFor({ region: "eu-west-3" }));
    await expect(failure).rejects.toMatchObject({ reason: "config" });
    await expect(failure).rejects.toThrow(/AuthorizationHeaderMalformed: .*region.*\(check the region setting, now eu-west-3\)/);
  });
});

describe.skipIf(skipReason !== undefined)("S3ChunkStore multipart uploads on a strict S3 service", () => {
  const endpoint = (): string => {
    if (!service) throw new Error("the strict S3 service did not start");
    return service.endpoint;
  };
  multipartCases({
    endpoint,
    configFor,
    uploads: {
      list: (prefix) => listMultipartUploads(endpoint(), credentials, BUCKET, prefix),
      abort: (upload) => abortMultipartUpload(endpoint(), credentials, BUCKET, upload),
    },
  });
});
