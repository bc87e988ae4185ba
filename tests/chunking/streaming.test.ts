import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkBytes } from "../../lib/chunking/chunk-bytes.ts";
import { Chunker } from "../../lib/chunking/chunker.ts";
import { openFileStream } from "../../lib/chunking/file-stream.ts";
import { createGearTable, type GearTable } from "../../lib/chunking/gear.ts";
import type { ChunkSizeOptions } from "../../lib/chunking/params.ts";
import { chunkStream, type ByteSource } from "../../lib/chunking/stream.ts";
import { deterministicBytes, SMALL_SIZES, TEST_SEED } from "./fixtures/data.ts";

const MiB = 1 << 20;

let table: GearTable;
let data: Uint8Array;
let dir: string;

beforeAll(async () => {
  table = await createGearTable(TEST_SEED);
  data = await deterministicBytes(24 * MiB, "syncagent chunking streaming");
  dir = await mkdtemp(join(tmpdir(), "syncagent-chunking-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Splits `bytes` into pieces whose sizes come from `sizes(i)`, each a fresh copy. */
function* split(bytes: Uint8Array, sizes: (i: number) => number): Generator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const n = Math.min(sizes(i), bytes.length - offset);
    yield bytes.slice(offset, offset + n);
    offset += n;
  }
}

/** An AsyncIterable source that hands out `bytes` in pieces of `sizes(i)` bytes. */
function pieces(bytes: Uint8Array, sizes: (i: number) => number): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const it = split(bytes, sizes);
      return { next: () => Promise.resolve(it.next()) };
    },
  };
}

/** Deterministic piece sizes between 1 and `limit` (xorshift32). */
function randomSizes(limit: number): (i: number) => number {
  let x = 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return 1 + ((x >>> 0) % limit);
  };
}

async function collect(source: ByteSource, sizes: ChunkSizeOptions): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of chunkStream(source, { table, ...sizes })) out.push(chunk);
  return out;
}

function expectSameChunks(actual: Uint8Array[], expected: Uint8Array[]): void {
  expect(actual.map((c) => c.length)).toEqual(expected.map((c) => c.length));
  actual.forEach((c, i) => expect(Buffer.from(c).equals(Buffer.from(expected[i]!))).toBe(true));
}

describe("streaming chunker equals one-shot chunking (K1)", () => {
  it.each([
    ["4093-byte reads", () => 4093],
    ["1 MiB reads", () => MiB],
    ["9 MiB reads (larger than maxSize)", () => 9 * MiB],
    ["random reads up to 3 MiB", randomSizes(3 * MiB)],
  ])("default sizes, %s", async (_name, sizes) => {
    expectSameChunks(await collect(pieces(data, sizes), {}), chunkBytes(data, { table }));
  });

  it.each([
    ["1-byte reads of 1 MiB", MiB, () => 1],
    ["4093-byte reads", 24 * MiB, () => 4093],
    ["random reads up to 200,000 bytes", 24 * MiB, randomSizes(200_000)],
  ])("small sizes, %s", async (_name, length, sizes) => {
    const input = data.subarray(0, length);
    expectSameChunks(await collect(pieces(input, sizes), SMALL_SIZES), chunkBytes(input, { table, ...SMALL_SIZES }));
  });

  it("default sizes, 1-byte pushes of 10 MiB into a Chunker", () => {
    const input = data.subarray(0, 10 * MiB);
    const chunker = new Chunker({ table });
    const got: Uint8Array[] = [];
    for (let i = 0; i < input.length; i++) got.push(...chunker.push(input.subarray(i, i + 1)));
    got.push(...chunker.finish());
    expect(got.length).toBeGreaterThan(1);
    expectSameChunks(got, chunkBytes(input, { table }));
  });

  it("reads a web ReadableStream and cancels it when the consumer stops early", async () => {
    let cancelled = false;
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= data.length) return controller.close();
        controller.enqueue(data.slice(offset, offset + 65536));
        offset += 65536;
      },
      cancel() {
        cancelled = true;
      },
    });
    const expected = chunkBytes(data, { table, ...SMALL_SIZES });
    const got: Uint8Array[] = [];
    for await (const chunk of chunkStream(stream, { table, ...SMALL_SIZES })) {
      got.push(chunk);
      if (got.length === 5) break;
    }
    expectSameChunks(got, expected.slice(0, 5));
    expect(cancelled).toBe(true);
    expect(offset).toBeLessThan(data.length);
  });

  it("streams a file from disk with openFileStream", async () => {
    const path = join(dir, "input.bin");
    await writeFile(path, data);
    expectSameChunks(await collect(await openFileStream(path, 777_777), {}), chunkBytes(data, { table }));
    const small = join(dir, "small.bin");
    await writeFile(small, data.subarray(0, 1000));
    expectSameChunks(await collect(await openFileStream(small), {}), [data.subarray(0, 1000)]);
    const empty = join(dir, "empty.bin");
    await writeFile(empty, new Uint8Array(0));
    expect(await collect(await openFileStream(empty), {})).toEqual([]);
  });

  it("openFileStream reports a missing file and a bad read size", async () => {
    await expect(openFileStream(join(dir, "missing.bin"))).rejects.toThrow(/ENOENT/);
    await expect(openFileStream(join(dir, "missing.bin"), 0)).rejects.toThrow(/highWaterMark must be a positive integer/);
  });

  it("hands out chunks the caller owns (later input does not overwrite them)", () => {
    const chunker = new Chunker({ table, ...SMALL_SIZES });
    const first = chunker.push(data.subarray(0, 300_000));
    const copy = first.map((c) => Buffer.from(c));
    chunker.push(data.subarray(300_000, 3 * MiB));
    chunker.finish();
    first.forEach((c, i) => expect(Buffer.from(c).equals(copy[i]!)).toBe(true));
    expect(first.length).toBeGreaterThan(0);
  });
});

describe("streaming memory bound", () => {
  it("keeps the window at most 2 × maxSize and less than maxSize pending, for any read size", () => {
    for (const readSize of [4093, MiB, 20 * MiB]) {
      const chunker = new Chunker({ table });
      let emitted = 0;
      for (let offset = 0; offset < data.length; offset += readSize) {
        for (const c of chunker.push(data.subarray(offset, offset + readSize))) emitted += c.length;
        expect(chunker.bufferSize).toBeLessThanOrEqual(2 * chunker.params.maxSize);
        expect(chunker.pending).toBeLessThan(chunker.params.maxSize);
      }
      expect(chunker.bufferSize).toBe(2 * chunker.params.maxSize);
      for (const c of chunker.finish()) emitted += c.length;
      expect(emitted).toBe(data.length);
      expect(chunker.pending).toBe(0);
    }
  });

  it("sizes the window to small inputs and is reusable after finish()", () => {
    const chunker = new Chunker({ table });
    expect(chunker.push(data.subarray(0, 3000))).toEqual([]);
    expect(chunker.bufferSize).toBeLessThanOrEqual(64 * 1024);
    expect(chunker.finish().map((c) => c.length)).toEqual([3000]);
    expect(chunker.finish()).toEqual([]);
    const again = [...chunker.push(data), ...chunker.finish()];
    expectSameChunks(again, chunkBytes(data, { table }));
  });

  it("refuses input that is not bytes and options without a gear table", () => {
    const chunker = new Chunker({ table });
    expect(() => chunker.push("text" as unknown as Uint8Array)).toThrow(/input pieces must be Uint8Array/);
    expect(() => new Chunker({ table: undefined as unknown as GearTable })).toThrow(/gear table/);
    expect(() => new Chunker({ table, minSize: 10 })).toThrow(/minSize must be at least 64 bytes/);
  });
});
