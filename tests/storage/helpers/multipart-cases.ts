/**
 * The multipart-upload cases of the S3 adapter, run against a real S3
 * service through a flaky proxy that logs every request: large objects are
 * stored in parts and read back whole, a refused body sends nothing, and a
 * failed upload is aborted with the first failure thrown.
 */
import { afterEach, expect, it } from "vitest";
import { S3ChunkStore } from "../../../lib/storage/s3.ts";
import { normalisePrefix, type S3ChunkStoreConfig } from "../../../lib/storage/s3-config.ts";
import { randomBytes, randomKey, readAll, sha256Hex } from "./bytes.ts";
import { startFlakyProxy, type FlakyProxy } from "./flaky-proxy.ts";

const MiB = 1024 * 1024;
/** The smallest part size S3 allows, so the tests move few bytes. */
const PART_SIZE = 5 * MiB;
/** 2.5 parts: two whole parts and a half one. */
const BODY_SIZE = PART_SIZE * 2.5;

/** What the cases need from the test file. */
export interface MultipartHarness {
  /** The real service's endpoint (the proxy forwards to it). */
  endpoint: () => string;
  /** A store configuration with a fresh prefix. */
  configFor: (overrides?: Partial<S3ChunkStoreConfig>) => S3ChunkStoreConfig;
  /** Open multipart uploads under a prefix, when the service lists them (ListMultipartUploads). */
  uploads?: {
    list: (prefix: string) => Promise<{ key: string; uploadId: string }[]>;
    abort: (upload: { key: string; uploadId: string }) => Promise<void>;
  };
}

/** Declares the multipart cases in the current `describe` block. */
export function multipartCases(harness: MultipartHarness): void {
  let proxy: FlakyProxy | undefined;
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  /** A store behind a fresh proxy, with 5 MiB parts. */
  const open = async (overrides: Partial<S3ChunkStoreConfig> = {}): Promise<{ store: S3ChunkStore; proxy: FlakyProxy; prefix: string }> => {
    proxy = await startFlakyProxy(harness.endpoint());
    const config = harness.configFor({
      endpoint: proxy.endpoint,
      multipartPartSize: PART_SIZE,
      maxObjectSize: 64 * MiB,
      ...overrides,
    });
    const store = new S3ChunkStore(config);
    return { store, proxy, prefix: normalisePrefix(config.prefix ?? "") };
  };

  const uploadsUnder = async (prefix: string): Promise<{ key: string; uploadId: string }[] | undefined> =>
    harness.uploads ? harness.uploads.list(prefix) : undefined;

  it("stores a body over the part size in parts, and reads it back whole, in ranges across parts, and by stat and list", async () => {
    const { store, proxy, prefix } = await open();
    const key = randomKey();
    const bytes = randomBytes(BODY_SIZE);
    expect(await store.put(key, bytes)).toEqual({ key, size: BODY_SIZE, sha256: sha256Hex(bytes) });

    const log = proxy.requests();
    const steps = log.map(describeRequest);
    expect(steps[0]).toBe("POST create");
    expect(steps.slice(1, 4).sort()).toEqual(["PUT part 1", "PUT part 2", "PUT part 3"]);
    expect(steps.slice(4)).toEqual(["POST complete"]);
    expect(new Set(log.slice(1).map((r) => uploadIdOf(r.url))).size).toBe(1);

    expectSameBytes(await readAll((await store.get(key))!), bytes);
    expectSameBytes(await store.getRange(key, PART_SIZE - 1_000, 2_000), bytes.subarray(PART_SIZE - 1_000, PART_SIZE + 1_000));
    expectSameBytes(await store.getRange(key, PART_SIZE - 10, PART_SIZE + 20), bytes.subarray(PART_SIZE - 10, 2 * PART_SIZE + 10));
    expectSameBytes(await store.getRange(key, BODY_SIZE - 100, 1_000), bytes.subarray(BODY_SIZE - 100));
    expect(await store.stat(key)).toEqual({ size: BODY_SIZE });
    const listed: { key: string; size: number }[] = [];
    for await (const entry of store.list()) listed.push(entry);
    expect(listed).toEqual([{ key, size: BODY_SIZE }]);
    const leftovers = await uploadsUnder(prefix);
    if (leftovers) expect(leftovers).toEqual([]);
  });

  it("sends one PUT for a body of exactly the part size, and two parts for one byte more", async () => {
    const { store, proxy } = await open();
    const exact = randomBytes(PART_SIZE);
    const exactKey = randomKey();
    await store.put(exactKey, exact);
    expect(proxy.requests().map(describeRequest)).toEqual(["PUT object"]);

    const over = randomBytes(PART_SIZE + 1);
    const overKey = randomKey();
    await store.put(overKey, over);
    expect(proxy.requests().slice(1).map(describeRequest).sort()).toEqual(["POST complete", "POST create", "PUT part 1", "PUT part 2"]);
    expectSameBytes(await readAll((await store.get(exactKey))!), exact);
    expectSameBytes(await store.getRange(overKey, PART_SIZE - 1, 2), over.subarray(PART_SIZE - 1));
    expect(await store.stat(overKey)).toEqual({ size: PART_SIZE + 1 });
  });

  it("refuses a large body that does not match its expectation before sending a byte, and keeps the stored object", async () => {
    const { store, proxy, prefix } = await open();
    const key = randomKey();
    const old = randomBytes(1_000);
    await store.put(key, old);
    const before = proxy.requestCount();
    const bytes = randomBytes(BODY_SIZE);

    await expect(store.put(key, bytes, { sha256: sha256Hex(old) })).rejects.toMatchObject({ name: "IntegrityError", what: "sha256" });
    await expect(store.put(key, bytes, { size: BODY_SIZE + 1 })).rejects.toMatchObject({ name: "IntegrityError", what: "size" });
    await expect(store.put(key, bytes, { maxSize: BODY_SIZE - 1 })).rejects.toMatchObject({ name: "TooLargeError" });
    expect(proxy.requestCount()).toBe(before);

    expectSameBytes(await readAll((await store.get(key))!), old);
    const leftovers = await uploadsUnder(prefix);
    if (leftovers) expect(leftovers).toEqual([]);
  });

  it("aborts the upload when a part fails for good, after the parts in flight, and throws the part's failure", async () => {
    const { store, proxy, prefix } = await open({ maxAttempts: 2 });
    const key = randomKey();
    proxy.failMatching((r) => r.method === "PUT" && partNumberOf(r.url) === 2, ["503", "503"]);

    const failure = store.put(key, randomBytes(BODY_SIZE));
    await expect(failure).rejects.toMatchObject({ name: "StorageUnavailableError", reason: "server-error" });
    await expect(failure).rejects.toThrow(new RegExp(`Cannot store chunk ${key} \\(part 2 of 3\\): S3 at .* answered 503`));
    expect(proxy.failuresLeft()).toBe(0);

    const log = proxy.requests();
    const abort = log.at(-1)!;
    expect(describeRequest(abort)).toBe("DELETE abort");
    expect(uploadIdOf(abort.url)).toBe(uploadIdOf(log.find((r) => describeRequest(r) === "PUT part 2")!.url));
    expect(log.some((r) => describeRequest(r) === "POST complete")).toBe(false);
    for (const part of log.filter((r) => r.method === "PUT")) expect(part.answered).toBeLessThan(abort.arrived);

    expect(await store.stat(key)).toBeNull();
    const leftovers = await uploadsUnder(prefix);
    if (leftovers) expect(leftovers).toEqual([]);
  });

  it("retries a part whose connection drops, and stores the object whole", async () => {
    const { store, proxy } = await open({ maxAttempts: 3 });
    const key = randomKey();
    const bytes = randomBytes(BODY_SIZE);
    proxy.failMatching((r) => r.method === "PUT" && partNumberOf(r.url) === 2, ["reset"]);
    await store.put(key, bytes);
    expect(proxy.failuresLeft()).toBe(0);
    expect(proxy.requests().filter((r) => describeRequest(r) === "PUT part 2").map((r) => r.status)).toEqual(["reset", 200]);
    expectSameBytes(await readAll((await store.get(key))!), bytes);
  });

  it("treats an <Error> inside a 200 answer to the completion as a failure, and aborts", async () => {
    const { store, proxy, prefix } = await open();
    const key = randomKey();
    proxy.failMatching((r) => describeRequest(r) === "POST complete", ["error-in-200"]);

    const failure = store.put(key, randomBytes(BODY_SIZE));
    await expect(failure).rejects.toMatchObject({ name: "StorageUnavailableError", reason: "rejected" });
    await expect(failure).rejects.toThrow(/completing a multipart upload of 3 parts\): S3 at .* answered 200 InternalError: We encountered an internal error/);
    expect(proxy.failuresLeft()).toBe(0);
    expect(describeRequest(proxy.requests().at(-1)!)).toBe("DELETE abort");

    expect(await store.stat(key)).toBeNull();
    const leftovers = await uploadsUnder(prefix);
    if (leftovers) expect(leftovers).toEqual([]);
  });

  it.skipIf(harness.uploads === undefined)(
    "throws the part's failure when the abort fails too, leaving an open upload that the service lists",
    async () => {
      const { store, proxy, prefix } = await open({ maxAttempts: 1 });
      const key = randomKey();
      proxy.failMatching((r) => r.method === "PUT" && partNumberOf(r.url) === 2, ["503"]);
      proxy.failMatching((r) => describeRequest(r) === "DELETE abort", ["503"]);

      const failure = store.put(key, randomBytes(BODY_SIZE));
      await expect(failure).rejects.toThrow(new RegExp(`Cannot store chunk ${key} \\(part 2 of 3\\): S3 at .* answered 503`));
      expect(proxy.failuresLeft()).toBe(0);

      // The listing sees what a failed abort leaves, so its emptiness in the cases above means something.
      const leftovers = (await uploadsUnder(prefix))!;
      expect(leftovers).toEqual([{ key: `${prefix}${key}`, uploadId: uploadIdOf(proxy.requests().at(-1)!.url) }]);
      await harness.uploads!.abort(leftovers[0]!);
      expect(await uploadsUnder(prefix)).toEqual([]);
      expect(await store.stat(key)).toBeNull();
    },
  );
}

/**
 * Compares large buffers quickly (a deep equality walks megabytes element
 * by element); a mismatch names its length or first differing offset.
 */
function expectSameBytes(actual: Uint8Array | null, expected: Uint8Array): void {
  expect(actual, "no object").not.toBeNull();
  const got = Buffer.from(actual!.buffer, actual!.byteOffset, actual!.byteLength);
  const want = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  expect(got.byteLength, "length").toBe(want.byteLength);
  if (!got.equals(want)) expect.fail(`the bytes differ, first at offset ${got.findIndex((byte, i) => byte !== want[i])}`);
}

/** `POST create`, `PUT part 2`, `POST complete`, `DELETE abort`, `PUT object`, `GET …`. */
function describeRequest(request: { method: string; url: string }): string {
  const query = new URL(request.url, "http://proxy").searchParams;
  if (request.method === "POST" && query.has("uploads")) return "POST create";
  if (request.method === "POST" && query.has("uploadId")) return "POST complete";
  if (request.method === "PUT" && query.has("partNumber")) return `PUT part ${query.get("partNumber")}`;
  if (request.method === "PUT" && [...query.keys()].length === 0) return "PUT object";
  if (request.method === "DELETE" && query.has("uploadId")) return "DELETE abort";
  return `${request.method} ${request.url}`;
}

function partNumberOf(url: string): number | undefined {
  const value = new URL(url, "http://proxy").searchParams.get("partNumber");
  return value === null ? undefined : Number(value);
}

function uploadIdOf(url: string): string | undefined {
  return new URL(url, "http://proxy").searchParams.get("uploadId") ?? undefined;
}
