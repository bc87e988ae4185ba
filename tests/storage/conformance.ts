/**
 * The one conformance suite every `ChunkStore` adapter must pass (S6): the
 * port contract of `lib/storage/port.ts`, checked against a real store.
 */
import { afterEach, describe, expect, it } from "vitest";
import { IntegrityError, InvalidKeyError, TooLargeError } from "../../lib/storage/errors.ts";
import type { ChunkStore } from "../../lib/storage/port.ts";
import {
  digestStream,
  endlessStream,
  failingStream,
  randomBytes,
  randomKey,
  readAll,
  sha256Hex,
  streamOf,
} from "./helpers/bytes.ts";

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
  });
}
