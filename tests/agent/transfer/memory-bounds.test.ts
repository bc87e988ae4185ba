// The transfer's memory is bounded by one byte budget per direction: the
// uploader holds at most `inFlightBytes` of chunk buffers (read, encrypting,
// or waiting to be stored), the fetcher at most `heldBytes` of received
// chunks not yet handed back; with budgets smaller than one chunk, transfers
// still complete, one chunk at a time.
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadChunkBatch } from "../../../lib/agent/client/chunks.ts";
import type { HttpTarget } from "../../../lib/agent/client/http.ts";
import { ChunkFetcher } from "../../../lib/agent/transfer/chunk-fetcher.ts";
import { FileChangedError } from "../../../lib/agent/transfer/file-stamp.ts";
import { Uploader } from "../../../lib/agent/transfer/uploader.ts";
import { createGearTable } from "../../../lib/chunking/gear.ts";
import { encryptedChunkLength } from "../../../lib/crypto/chunk.ts";
import { encryptStream } from "../../../lib/pipeline/encrypt-stream.ts";
import { readFilePieces } from "../../../lib/pipeline/read-file.ts";
import { waitFor } from "../../helpers/wait.ts";
import { randomContent, startBench, writeFileStamped, type Bench, type Side } from "./harness.ts";

const sizes = { minSize: 300 << 10, avgSize: 512 << 10, maxSize: 1 << 20 };
let bench: Bench;
let a: Side;

beforeAll(async () => {
  bench = await startBench();
  a = await bench.side();
});
afterAll(async () => {
  await bench.close();
});

/** A fetch that counts the chunk PUTs under way at once. */
function putCounter(): { fetch: typeof fetch; now: number; most: number; total: number } {
  const counter = {
    now: 0,
    most: 0,
    total: 0,
    fetch: (async (input, init) => {
      const put = init?.method === "PUT";
      if (put) {
        counter.total++;
        counter.most = Math.max(counter.most, ++counter.now);
      }
      try {
        return await fetch(input, init);
      } finally {
        if (put) counter.now--;
      }
    }) as typeof fetch,
  };
  return counter;
}

describe("memory bounds", () => {
  it("uploads with at most inFlightBytes of chunk buffers: PUTs at once stay within it, chunks as a fresh read gives", async () => {
    const buffer = encryptedChunkLength(sizes.maxSize);
    const keys = bench.keyring.current;
    for (const [budget, most] of [
      [2 * buffer, 2],
      [1, 1],
    ] as const) {
      const path = join(a.root, `bounded-${budget}.bin`);
      const stamp = await writeFileStamped(path, randomContent(12 << 20));
      const fresh: string[] = [];
      for await (const c of encryptStream(readFilePieces(path), keys, { table: await createGearTable(keys.chunkerGearSeed), ...sizes })) {
        fresh.push(c.id);
        c.release();
      }
      const counter = putCounter();
      const target: HttpTarget = { serverUrl: bench.server.url, token: bench.server.machine.token, fetch: counter.fetch };
      const uploader = new Uploader({ client: target, keyring: bench.keyring, progress: a.progress, index: a.index, chunkSizes: sizes, inFlightBytes: budget });
      const result = await uploader.upload(`bounded-${budget}.bin`, path, stamp);
      expect(result.chunks.map((c) => c.id)).toEqual(fresh);
      expect(counter.total).toBeGreaterThan(4);
      expect(counter.most).toBeLessThanOrEqual(most);
    }
  });

  it("fails with FileChangedError when the file is cut short while read, and gives its budget back", async () => {
    const path = join(a.root, "shrinks.bin");
    const stamp = await writeFileStamped(path, randomContent(4 << 20));
    let release: (() => void) | undefined;
    let puts = 0;
    const gated = (async (input, init) => {
      if (init?.method === "PUT" && puts++ === 0) await new Promise<void>((resolve) => (release = resolve));
      return fetch(input, init);
    }) as typeof fetch;
    const target: HttpTarget = { serverUrl: bench.server.url, token: bench.server.machine.token, fetch: gated };
    const uploader = new Uploader({ client: target, keyring: bench.keyring, progress: a.progress, index: a.index, chunkSizes: sizes, inFlightBytes: 1 });
    const upload = uploader.upload("shrinks.bin", path, stamp);
    const outcome = upload.then(
      () => "uploaded",
      (error: unknown) => error,
    );
    await waitFor("the first chunk's PUT", () => release);
    await truncate(path, 1 << 20);
    release!();
    expect(await outcome).toBeInstanceOf(FileChangedError);
    // The budget is whole again: a later upload of another file goes through.
    const other = join(a.root, "after-shrink.bin");
    const result = await uploader.upload("after-shrink.bin", other, await writeFileStamped(other, randomContent(2 << 20)));
    expect(result.size).toBe(2 << 20);
  });

  it("reads a fetch answer's frames only as the held-bytes budget allows, over all requests", async () => {
    const target: HttpTarget = { serverUrl: bench.server.url, token: bench.server.machine.token };
    const chunks = Array.from({ length: 8 }, () => ({ id: randomBytes(32).toString("hex"), data: new Uint8Array(randomBytes(100_000)) }));
    await uploadChunkBatch(target, chunks);
    const fetcher = new ChunkFetcher(target, { heldBytes: 150_000, parallelDeliveries: 16, maxBytes: 400_000 });
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const got = new Map<string, Uint8Array>();
    const fetches = chunks.map((c) =>
      fetcher.fetch(c.id, 90_000, async (bytes) => {
        most = Math.max(most, ++running);
        got.set(c.id, bytes!);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
      }),
    );
    fetcher.flush();
    for (let n = 1; n <= chunks.length; n++) {
      await waitFor(`delivery ${n}`, () => gates.length === n);
      expect(running).toBe(1);
      gates[n - 1]!();
    }
    await Promise.all(fetches);
    expect(most).toBe(1);
    expect(fetcher.requests).toBeGreaterThan(1);
    for (const c of chunks) expect(got.get(c.id)).toEqual(c.data);
  });
});
