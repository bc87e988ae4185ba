/**
 * The one conformance suite every `ChunkStore` adapter must pass (S6): the
 * port contract of `lib/storage/port.ts`, checked against a real store.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ChunkStore } from "../../lib/storage/port.ts";
import { checkCases } from "./conformance-cases-checks.ts";
import { randomBytes, randomKey, readAll, sha256Hex, streamOf } from "./helpers/bytes.ts";

/** Knobs a factory must honour so the suite can test limits and paging cheaply. */
export interface ConformanceOptions {
  /** Store-wide object size limit. */
  maxObjectSize?: number;
  /** Keys per listing request (adapters that page). */
  listPageSize?: number;
}

/** Opens a fresh, empty store that shares no keys with any other store it opened. */
export type ChunkStoreFactory = (options: ConformanceOptions) => Promise<ChunkStore>;

/** Options of the suite itself. */
export interface SuiteOptions {
  /** When set, every test is skipped and this says why. */
  skipReason?: string | undefined;
}

/** What the cases get from the suite. */
export interface ConformanceHarness {
  /** Opens a fresh store, closed after the test. */
  open: (options?: ConformanceOptions) => Promise<ChunkStore>;
  /** Every key a store lists, in listing order. */
  keysOf: (store: ChunkStore) => Promise<string[]>;
}

/**
 * Declares the conformance tests for one adapter.
 * @param name adapter name shown in the test report.
 * @param factory opens a fresh store per test.
 */
export function describeChunkStoreConformance(name: string, factory: ChunkStoreFactory, suite: SuiteOptions = {}): void {
  describe.skipIf(suite.skipReason !== undefined)(`ChunkStore conformance: ${name}`, () => {
    const opened: ChunkStore[] = [];
    const open = async (options: ConformanceOptions = {}): Promise<ChunkStore> => {
      const store = await factory(options);
      opened.push(store);
      return store;
    };
    const keysOf = async (store: ChunkStore): Promise<string[]> => {
      const keys: string[] = [];
      for await (const entry of store.list()) keys.push(entry.key);
      return keys;
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    objectCases({ open, keysOf });
    checkCases({ open, keysOf });
  });
}

/**
 * Declares the cases on storing, reading, replacing, deleting and listing objects.
 * @param harness Store opening and listing.
 */
function objectCases({ open, keysOf }: ConformanceHarness): void {
  it("round-trips bytes and reports their size and SHA-256", async () => {
    const store = await open();
    const key = randomKey();
    const bytes = randomBytes(100_000);
    const stored = await store.put(key, bytes);
    expect(stored).toEqual({ key, size: bytes.byteLength, sha256: sha256Hex(bytes) });
    const body = await store.get(key);
    expect(body).not.toBeNull();
    expect(await readAll(body!)).toEqual(bytes);
    expect(await store.stat(key)).toEqual({ size: bytes.byteLength });
    expect(await store.has(key)).toBe(true);
    expect(typeof store.kind).toBe("string");
    expect(store.location.length).toBeGreaterThan(0);
  });

  it("stores a streamed body arriving in uneven pieces", async () => {
    const store = await open();
    const key = randomKey();
    const bytes = randomBytes(300_001);
    const stored = await store.put(key, streamOf(bytes, 7_777));
    expect(stored.size).toBe(bytes.byteLength);
    expect(stored.sha256).toBe(sha256Hex(bytes));
    expect(await readAll((await store.get(key))!)).toEqual(bytes);
  });

  it("stores an empty object", async () => {
    const store = await open();
    const key = randomKey();
    const stored = await store.put(key, new Uint8Array(0), { size: 0 });
    expect(stored.sha256).toBe(sha256Hex(new Uint8Array(0)));
    expect(await store.stat(key)).toEqual({ size: 0 });
    expect((await readAll((await store.get(key))!)).byteLength).toBe(0);
    expect(await keysOf(store)).toEqual([key]);
  });

  it("replaces an object put again under the same key", async () => {
    const store = await open();
    const key = randomKey();
    await store.put(key, randomBytes(5_000));
    const second = randomBytes(3_000);
    await store.put(key, second);
    expect(await readAll((await store.get(key))!)).toEqual(second);
    expect(await store.stat(key)).toEqual({ size: 3_000 });
    expect(await keysOf(store)).toEqual([key]);
  });

  it("reads a small object whole with getBytes when the adapter has it, and refuses a longer one", async (ctx) => {
    const store = await open();
    if (!store.getBytes) return ctx.skip();
    const key = randomKey();
    const bytes = crypto.getRandomValues(new Uint8Array(3000));
    await store.put(key, bytes);
    expect(await store.getBytes(key, 3000)).toEqual(bytes);
    expect(await store.getBytes(key, 5000)).toEqual(bytes);
    await expect(store.getBytes(key, 2999)).rejects.toMatchObject({ name: "TooLargeError" });
    expect(await store.getBytes(randomKey(), 100)).toBeNull();
  });

  it("reads byte ranges with getRange: inside, at the edges, past the end, and null for a missing key", async () => {
    const store = await open();
    const key = randomKey();
    const bytes = randomBytes(70_000);
    await store.put(key, bytes);
    expect(await store.getRange(key, 0, 70_000)).toEqual(bytes);
    expect(await store.getRange(key, 0, 1)).toEqual(bytes.subarray(0, 1));
    expect(await store.getRange(key, 12_345, 4_321)).toEqual(bytes.subarray(12_345, 12_345 + 4_321));
    expect(await store.getRange(key, 69_999, 1)).toEqual(bytes.subarray(69_999));
    expect(await store.getRange(key, 65_000, 10_000)).toEqual(bytes.subarray(65_000));
    expect((await store.getRange(key, 70_000, 10))?.byteLength).toBe(0);
    expect((await store.getRange(key, 80_000, 10))?.byteLength).toBe(0);
    expect((await store.getRange(key, 10, 0))?.byteLength).toBe(0);
    expect(await store.getRange(randomKey(), 0, 10)).toBeNull();
    await expect(store.getRange(key, -1, 10)).rejects.toThrow(RangeError);
    await expect(store.getRange("../x", 0, 10)).rejects.toMatchObject({ name: "InvalidKeyError" });
  });

  it("reads many ranges of one object concurrently, each byte-exact", async () => {
    const store = await open();
    const key = randomKey();
    const bytes = randomBytes(200_000);
    await store.put(key, bytes);
    const ranges = Array.from({ length: 40 }, (_, i) => ({ offset: i * 5_000, length: 1_000 + i * 97 }));
    const got = await Promise.all(ranges.map((r) => store.getRange(key, r.offset, r.length)));
    for (const [i, r] of ranges.entries()) expect(got[i]).toEqual(bytes.subarray(r.offset, r.offset + r.length));
  });

  it("answers null / false for a missing key", async () => {
    const store = await open();
    const key = randomKey();
    expect(await store.get(key)).toBeNull();
    expect(await store.stat(key)).toBeNull();
    expect(await store.has(key)).toBe(false);
  });

  it("deletes, and deleting a missing key is not an error", async () => {
    const store = await open();
    const key = randomKey();
    const other = randomKey();
    await store.put(key, randomBytes(10));
    await store.put(other, randomBytes(10));
    await store.delete(key);
    expect(await store.has(key)).toBe(false);
    expect(await store.get(key)).toBeNull();
    await expect(store.delete(key)).resolves.toBeUndefined();
    await expect(store.delete(randomKey())).resolves.toBeUndefined();
    expect(await store.has(other)).toBe(true);
    expect(await keysOf(store)).toEqual([other]);
  });

  it("lists nothing in an empty store", async () => {
    const store = await open();
    expect(await keysOf(store)).toEqual([]);
  });

  it("lists every key exactly once with its size, across many pages", async () => {
    const store = await open({ listPageSize: 7 });
    const expected = new Map<string, number>();
    await Promise.all(
      Array.from({ length: 45 }, async (_, i) => {
        const key = randomKey();
        expected.set(key, i);
        await store.put(key, randomBytes(i));
      }),
    );
    const seen = new Map<string, number>();
    for await (const { key, size } of store.list()) {
      expect(seen.has(key), `key ${key} listed twice`).toBe(false);
      seen.set(key, size);
    }
    expect(seen).toEqual(expected);
  });
}
