/**
 * The refusal, limit and streaming cases of the ChunkStore conformance
 * suite (S6): malformed keys, bodies whose size or SHA-256 is wrong, size
 * limits, failing bodies, concurrent puts, large objects, early readers and
 * isolation. `describeChunkStoreConformance` (conformance.ts) declares them
 * after its cases on storing, reading, deleting and listing objects.
 */
import { expect, it } from "vitest";
import { IntegrityError, InvalidKeyError, TooLargeError } from "../../lib/storage/errors.ts";
import type { ConformanceHarness } from "./conformance.ts";
import { digestStream, endlessStream, failingStream, randomBytes, randomKey, readAll, sha256Hex, streamOf } from "./helpers/bytes.ts";

const INVALID_KEYS: unknown[] = [
  "",
  "../x",
  `../${"a".repeat(61)}`,
  `..%2F${"a".repeat(59)}`,
  `ab/${"c".repeat(61)}`,
  `ab\\${"c".repeat(61)}`,
  "A".repeat(64),
  `${"a".repeat(63)}F`,
  "a".repeat(63),
  "a".repeat(65),
  "g".repeat(64),
  ` ${"a".repeat(63)}`,
  `${"a".repeat(63)}\n`,
  `${"a".repeat(63)}\0`,
  undefined,
  null,
  42,
];

/**
 * Declares the cases on refused keys and bodies, limits, failing streams,
 * concurrent puts, large objects, early readers and isolation.
 * @param harness Store opening and listing.
 */
export function checkCases({ open, keysOf }: ConformanceHarness): void {
  it("refuses malformed keys in every operation and stores nothing", async () => {
    const store = await open();
    for (const key of INVALID_KEYS) {
      const bad = key as string;
      await expect(store.put(bad, randomBytes(4)), `put ${String(key)}`).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.get(bad)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.stat(bad)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.has(bad)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.delete(bad)).rejects.toBeInstanceOf(InvalidKeyError);
    }
    await expect(store.put("../x", randomBytes(4))).rejects.toThrow(/Invalid chunk key "\.\.\/x"/);
    expect(await keysOf(store)).toEqual([]);
  });

  it("refuses a body whose size differs from the expected one, leaving nothing visible", async () => {
    const store = await open();
    const key = randomKey();
    const bytes = randomBytes(120);
    await expect(store.put(key, bytes, { size: 123 })).rejects.toThrow(
      `Cannot store chunk ${key}: expected 123 bytes, got 120`,
    );
    await expect(store.put(key, streamOf(bytes, 50), { size: 100 })).rejects.toBeInstanceOf(IntegrityError);
    expect(await store.get(key)).toBeNull();
    expect(await keysOf(store)).toEqual([]);
  });

  it("refuses a body whose SHA-256 differs from the expected one, leaving nothing visible", async () => {
    const store = await open();
    const key = randomKey();
    const bytes = randomBytes(2_000);
    const wrong = sha256Hex(randomBytes(8));
    const failure = store.put(key, streamOf(bytes, 300), { sha256: wrong, size: bytes.byteLength });
    await expect(failure).rejects.toBeInstanceOf(IntegrityError);
    await expect(failure).rejects.toThrow(`expected SHA-256 ${wrong}, got ${sha256Hex(bytes)}`);
    expect(await store.has(key)).toBe(false);
    expect(await keysOf(store)).toEqual([]);
  });

  it("refuses a body in memory whose SHA-256 differs, and reports the digest of one it was not told", async () => {
    const store = await open();
    const key = randomKey();
    const bytes = randomBytes(3_000);
    const wrong = sha256Hex(randomBytes(8));
    await expect(store.put(key, bytes, { sha256: wrong })).rejects.toThrow(`expected SHA-256 ${wrong}, got ${sha256Hex(bytes)}`);
    expect(await store.get(key)).toBeNull();
    const stored = await store.put(key, bytes, { size: bytes.byteLength });
    expect(stored.sha256).toBe(sha256Hex(bytes));
    expect(stored.sha256).toBe(sha256Hex(bytes));
    expect(await readAll((await store.get(key))!)).toEqual(bytes);
  });

  it("keeps the stored object when a later put of the same key fails its checks", async () => {
    const store = await open();
    const key = randomKey();
    const good = randomBytes(4_000);
    await store.put(key, good);
    await expect(store.put(key, randomBytes(4_000), { sha256: sha256Hex(good) })).rejects.toBeInstanceOf(IntegrityError);
    await expect(store.put(key, randomBytes(5_000), { maxSize: 4_500 })).rejects.toBeInstanceOf(TooLargeError);
    expect(await readAll((await store.get(key))!)).toEqual(good);
  });

  it("accepts a body that matches every expectation", async () => {
    const store = await open();
    const key = randomKey();
    const bytes = randomBytes(9_999);
    const stored = await store.put(key, streamOf(bytes, 1_000), {
      size: bytes.byteLength,
      sha256: sha256Hex(bytes),
      maxSize: bytes.byteLength,
    });
    expect(stored).toEqual({ key, size: bytes.byteLength, sha256: sha256Hex(bytes) });
    expect(await store.has(key)).toBe(true);
  });

  it("stops reading an endless body at maxSize and cancels it", async () => {
    const store = await open();
    const key = randomKey();
    const { stream, state } = endlessStream(16_384);
    await expect(store.put(key, stream, { maxSize: 1_000_000 })).rejects.toThrow(
      `Cannot store chunk ${key}: it is larger than the limit of 1000000 bytes`,
    );
    expect(state.cancelled).toBe(true);
    expect(state.sent).toBeLessThan(1_100_000);
    expect(await store.has(key)).toBe(false);
    expect(await keysOf(store)).toEqual([]);
  });

  it("refuses an expected size over maxSize before reading the body", async () => {
    const store = await open();
    const { stream, state } = endlessStream();
    await expect(store.put(randomKey(), stream, { size: 2_000, maxSize: 1_000 })).rejects.toBeInstanceOf(TooLargeError);
    expect(state.sent).toBe(0);
  });

  it("enforces the store's own object size limit", async () => {
    const store = await open({ maxObjectSize: 10_000 });
    await expect(store.put(randomKey(), randomBytes(10_001))).rejects.toBeInstanceOf(TooLargeError);
    const key = randomKey();
    await store.put(key, randomBytes(10_000));
    expect(await store.stat(key)).toEqual({ size: 10_000 });
    expect(await keysOf(store)).toEqual([key]);
  });

  it("passes on the failure of the body stream and stores nothing", async () => {
    const store = await open();
    const key = randomKey();
    const failure = new Error("source disk vanished");
    await expect(store.put(key, failingStream(randomBytes(1_000), failure))).rejects.toBe(failure);
    expect(await store.has(key)).toBe(false);
    expect(await keysOf(store)).toEqual([]);
  });

  it("survives concurrent puts of the same key", async () => {
    const store = await open();
    const key = randomKey();
    const bytes = randomBytes(200_000);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.put(key, streamOf(bytes, 10_000), { sha256: sha256Hex(bytes) })),
    );
    for (const result of results) expect(result.sha256).toBe(sha256Hex(bytes));
    expect(await readAll((await store.get(key))!)).toEqual(bytes);
    expect(await keysOf(store)).toEqual([key]);
  });

  it("streams a large object both ways", async () => {
    const store = await open();
    const key = randomKey();
    const bytes = randomBytes(9 * 1024 * 1024 + 17);
    const stored = await store.put(key, streamOf(bytes, 64 * 1024), { size: bytes.byteLength });
    expect(stored.sha256).toBe(sha256Hex(bytes));
    const body = await store.get(key);
    expect(await digestStream(body!)).toEqual({ size: bytes.byteLength, sha256: sha256Hex(bytes) });
  });

  it("lets a reader stop early without harm", async () => {
    const store = await open();
    const key = randomKey();
    await store.put(key, randomBytes(2 * 1024 * 1024));
    const body = (await store.get(key))!;
    const reader = body.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await reader.cancel();
    await store.delete(key);
    expect(await store.has(key)).toBe(false);
  });

  it("keeps stores isolated from each other", async () => {
    const a = await open();
    const b = await open();
    const key = randomKey();
    await a.put(key, randomBytes(10));
    expect(await b.has(key)).toBe(false);
    expect(await keysOf(b)).toEqual([]);
  });
}
