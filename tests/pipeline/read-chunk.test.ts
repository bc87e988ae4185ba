// Reading a chunk straight into its own buffer (K1): the cuts are the
// streaming chunker's, from the start or from any cut point, and a file
// shorter than expected is reported, not padded.
import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGearTable, type GearTable } from "../../lib/chunking/gear.ts";
import { resolveChunkParams } from "../../lib/chunking/params.ts";
import { chunkStream } from "../../lib/chunking/stream.ts";
import { readChunkAt } from "../../lib/pipeline/read-chunk.ts";

const params = resolveChunkParams({ minSize: 16 << 10, avgSize: 64 << 10, maxSize: 256 << 10 });
const GAP = 49;
let dir: string;
let table: GearTable;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-read-chunk-"));
  table = await createGearTable(new Uint8Array(randomBytes(32)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function streamCuts(data: Uint8Array): Promise<number[]> {
  const sizes: number[] = [];
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(data);
      controller.close();
    },
  });
  for await (const chunk of chunkStream(source, { table, ...params })) sizes.push(chunk.length);
  return sizes;
}

describe("readChunkAt", () => {
  it("cuts where the streaming chunker cuts, chunk after chunk, each chunk's bytes after the gap", async () => {
    for (const length of [params.minSize - 5, params.maxSize, 3 * params.maxSize + 12345]) {
      const data = new Uint8Array(randomBytes(length));
      const path = join(dir, `f${length}`);
      await writeFile(path, data);
      const handle = await open(path, "r");
      try {
        const sizes: number[] = [];
        const buffer = new Uint8Array(GAP + params.maxSize);
        for (let at = 0; at < length; ) {
          const read = await readChunkAt(handle, buffer, GAP, at, length, table, params);
          expect(read.complete).toBe(true);
          expect(buffer.subarray(GAP, GAP + read.size)).toEqual(data.subarray(at, at + read.size));
          sizes.push(read.size);
          at += read.size;
        }
        expect(sizes).toEqual(await streamCuts(data));
      } finally {
        await handle.close();
      }
    }
  });

  it("reports a file that ends before the size it was expected to have", async () => {
    const path = join(dir, "short");
    await writeFile(path, new Uint8Array(randomBytes(1000)));
    const handle = await open(path, "r");
    try {
      const buffer = new Uint8Array(GAP + params.maxSize);
      expect(await readChunkAt(handle, buffer, GAP, 0, 5000, table, params)).toEqual({ size: 1000, complete: false });
      await expect(readChunkAt(handle, new Uint8Array(100), GAP, 0, 5000, table, params)).rejects.toThrow(RangeError);
      await expect(readChunkAt(handle, buffer, GAP, 5000, 5000, table, params)).rejects.toThrow(RangeError);
    } finally {
      await handle.close();
    }
  });
});
