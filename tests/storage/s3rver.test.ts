/**
 * The S3 adapter against s3rver: the conformance suite, listing past the
 * 1000-key page, the flaky-network retries, multipart uploads and the errors
 * a client can get from a protocol-level server. (Signatures are checked in
 * s3-strict.test.ts: s3rver accepts any. s3rver implements neither
 * AbortMultipartUpload nor ListMultipartUploads: its aborts fail, which the
 * adapter ignores, and the abort cases that list open uploads run on Swift.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../../lib/storage/errors.ts";
import { openChunkStore } from "../../lib/storage/open.ts";
import { openS3ChunkStore, S3ChunkStore } from "../../lib/storage/s3.ts";
import type { S3ChunkStoreConfig } from "../../lib/storage/s3-config.ts";
import { describeChunkStoreConformance } from "./conformance.ts";
import { randomBytes, randomKey, readAll } from "./helpers/bytes.ts";
import { startFlakyProxy, type FlakyProxy } from "./helpers/flaky-proxy.ts";
import { multipartCases } from "./helpers/multipart-cases.ts";
import { startS3rver, type S3rverHandle } from "./helpers/s3rver.ts";
import { TempDirs } from "./helpers/temp.ts";

const BUCKET = "syncagent-test";
const temp = new TempDirs();
let server: S3rverHandle;
let prefixCounter = 0;

beforeAll(async () => {
  server = await startS3rver(await temp.make("s3rver"), [BUCKET]);
});

afterAll(async () => {
  await server?.stop();
  await temp.removeAll();
});

function configFor(overrides: Partial<S3ChunkStoreConfig> = {}): S3ChunkStoreConfig {
  return {
    endpoint: server.endpoint,
    region: "us-east-1",
    bucket: BUCKET,
    prefix: `run-${process.pid}-${++prefixCounter}/chunks`,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    forcePathStyle: true,
    retryBaseDelayMs: 10,
    ...overrides,
  };
}

describeChunkStoreConformance("s3 (s3rver)", (options) =>
  openS3ChunkStore(
    configFor({
      ...(options.maxObjectSize === undefined ? {} : { maxObjectSize: options.maxObjectSize }),
      ...(options.listPageSize === undefined ? {} : { listPageSize: options.listPageSize }),
    }),
  ),
);

describe("S3ChunkStore on s3rver", () => {
  it("lists more than one default page (1000 keys) exactly once", async () => {
    const store = await openS3ChunkStore(configFor());
    const keys = new Set(Array.from({ length: 1003 }, () => randomKey()));
    const queue = [...keys];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let key = queue.pop(); key; key = queue.pop()) await store.put(key, randomBytes(1));
      }),
    );
    const listed: string[] = [];
    for await (const { key } of store.list()) listed.push(key);
    expect(listed.length).toBe(keys.size);
    expect(new Set(listed)).toEqual(keys);
  });

  it("skips objects under the prefix that are not chunks", async () => {
    const config = configFor();
    const store = await openS3ChunkStore(config);
    const key = randomKey();
    await store.put(key, randomBytes(5));
    const outsider = await openS3ChunkStore({ ...config, prefix: `${config.prefix ?? ""}/${key.slice(0, 8)}` });
    await outsider.put(randomKey(), randomBytes(5));
    const listed: string[] = [];
    for await (const entry of store.list()) listed.push(entry.key);
    expect(listed).toEqual([key]);
  });

  it("is what openChunkStore opens for an s3 configuration", async () => {
    const config = configFor();
    const store = await openChunkStore({ kind: "s3", ...config });
    expect(store).toBeInstanceOf(S3ChunkStore);
    expect(store.kind).toBe("s3");
    const key = randomKey();
    await store.put(key, randomBytes(3));
    expect(await (await openS3ChunkStore(config)).has(key)).toBe(true);
  });

  it("names the store in its location without secrets", () => {
    const store = new S3ChunkStore(configFor({ prefix: "a/b", secretAccessKey: "very-secret" }));
    expect(store.location).toBe(`s3://${BUCKET}/a/b/ @ ${server.endpoint}`);
    expect(store.location).not.toContain("very-secret");
  });

  it("says the bucket is missing when it is", async () => {
    const failure = openS3ChunkStore(configFor({ bucket: "no-such-bucket" }));
    await expect(failure).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(failure).rejects.toMatchObject({ reason: "missing-bucket" });
    await expect(failure).rejects.toThrow(/answered 404 NoSuchBucket: bucket no-such-bucket does not exist/);
    const store = new S3ChunkStore(configFor({ bucket: "no-such-bucket" }));
    await expect(store.get(randomKey())).rejects.toMatchObject({ reason: "missing-bucket" });
    await expect(store.put(randomKey(), randomBytes(3))).rejects.toMatchObject({ reason: "missing-bucket" });
  });

  it("says the service is unreachable after a bounded number of tries", async () => {
    const proxy = await startFlakyProxy(server.endpoint);
    const endpoint = proxy.endpoint;
    await proxy.stop();
    const started = Date.now();
    const failure = openS3ChunkStore(configFor({ endpoint, maxAttempts: 3 }));
    await expect(failure).rejects.toMatchObject({ reason: "unreachable" });
    await expect(failure).rejects.toThrow(/failed: .*ECONNREFUSED.*\(3 attempts\)/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("S3ChunkStore retries", () => {
  let proxy: FlakyProxy | undefined;
  afterAll(async () => {
    await proxy?.stop();
  });

  it("retries 5xx answers and dropped connections, then succeeds", async () => {
    proxy = await startFlakyProxy(server.endpoint);
    const store = await openS3ChunkStore(configFor({ endpoint: proxy.endpoint, maxAttempts: 4 }));
    const key = randomKey();
    const bytes = randomBytes(50_000);

    proxy.failNext(["503", "reset", "500"]);
    await store.put(key, bytes);
    expect(proxy.failuresLeft()).toBe(0);

    proxy.failNext(["reset", "503"]);
    expect(await readAll((await store.get(key))!)).toEqual(bytes);

    proxy.failNext(["502"]);
    expect(await store.stat(key)).toEqual({ size: bytes.byteLength });
    expect(proxy.failuresLeft()).toBe(0);
  });

  it("gives up after maxAttempts with the last failure in the message", async () => {
    proxy ??= await startFlakyProxy(server.endpoint);
    const store = new S3ChunkStore(configFor({ endpoint: proxy.endpoint, maxAttempts: 3 }));
    const key = randomKey();
    const before = proxy.requestCount();
    proxy.failNext(["503", "503", "503", "503"]);
    const failure = store.put(key, randomBytes(10));
    await expect(failure).rejects.toMatchObject({ reason: "server-error" });
    await expect(failure).rejects.toThrow(`Cannot store chunk ${key}: S3 at`);
    await expect(failure).rejects.toThrow(/answered 503 Service Unavailable \(3 attempts\)/);
    expect(proxy.requestCount() - before).toBe(3);
    expect(proxy.failuresLeft()).toBe(1);
  });

  it("fails a listing whose page is not a ListBucketResult instead of ending it early", async () => {
    const own = await startFlakyProxy(server.endpoint);
    try {
      const store = new S3ChunkStore(configFor({ endpoint: own.endpoint, listPageSize: 2 }));
      for (let i = 0; i < 3; i++) await store.put(randomKey(), randomBytes(1));
      own.failMatching((r) => r.method === "GET" && r.url.includes("continuation-token="), ["error-in-200"]);
      const listed: string[] = [];
      const listing = (async () => {
        for await (const { key } of store.list()) listed.push(key);
      })();
      await expect(listing).rejects.toMatchObject({ name: "StorageUnavailableError", reason: "rejected" });
      await expect(listing).rejects.toThrow(/Cannot list chunks: S3 at .* sent an unreadable listing \(expected a ListBucketResult document/);
      expect(listed).toHaveLength(2);
      expect(own.failuresLeft()).toBe(0);
    } finally {
      await own.stop();
    }
  });
});

describe("S3ChunkStore multipart uploads on s3rver", () => {
  multipartCases({ endpoint: () => server.endpoint, configFor });
});
