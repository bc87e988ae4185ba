// Resume at chunk level (A7): an interrupted upload continues after the
// last confirmed chunk, sends only what the server lacks, and ends with the
// chunk list a fresh run gives; a changed file starts over.
import { appendFileSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetworkError, type HttpTarget } from "../../../lib/agent/client/http.ts";
import { FileChangedError } from "../../../lib/agent/transfer/file-stamp.ts";
import { Uploader } from "../../../lib/agent/transfer/uploader.ts";
import { createGearTable } from "../../../lib/chunking/gear.ts";
import { encryptedChunkLength } from "../../../lib/crypto/chunk.ts";
import { encryptStream } from "../../../lib/pipeline/encrypt-stream.ts";
import { readFilePieces } from "../../../lib/pipeline/read-file.ts";
import { countingFetch, newTraffic, randomContent, startBench, stampOf, total, writeFileStamped, type Bench, type Side } from "./harness.ts";

const sizes = { minSize: 64 << 10, avgSize: 256 << 10, maxSize: 1 << 20 };
let bench: Bench;
let a: Side;

beforeAll(async () => {
  bench = await startBench();
  a = await bench.side({ uploader: { chunkSizes: sizes } });
});
afterAll(async () => {
  await bench.close();
});

async function freshChunks(path: string): Promise<{ id: string; size: number }[]> {
  const keys = bench.keyring.current;
  const out: { id: string; size: number }[] = [];
  for await (const c of encryptStream(readFilePieces(path), keys, { table: await createGearTable(keys.chunkerGearSeed), ...sizes })) {
    out.push({ id: c.id, size: c.size });
    c.release();
  }
  return out;
}

function uploaderWith(traffic: ReturnType<typeof newTraffic>): Uploader {
  const target: HttpTarget = { serverUrl: bench.server.url, token: bench.server.machine.token, fetch: countingFetch(traffic) };
  return new Uploader({ client: target, keyring: bench.keyring, progress: a.progress, index: a.index, chunkSizes: sizes, sender: { putConcurrency: 1 } });
}

describe("resume", () => {
  it("restarts at a cut point: reading from a chunk's end gives the same later chunks", async () => {
    const path = join(a.root, "cut.bin");
    await writeFileStamped(path, randomContent(6 << 20));
    const all = await freshChunks(path);
    expect(all.length).toBeGreaterThan(8);
    const keys = bench.keyring.current;
    const start = all.slice(0, 5).reduce((s, c) => s + c.size, 0);
    const rest: string[] = [];
    for await (const c of encryptStream(readFilePieces(path, undefined, start), keys, { table: await createGearTable(keys.chunkerGearSeed), ...sizes })) {
      rest.push(c.id);
      c.release();
    }
    expect(rest).toEqual(all.slice(5).map((c) => c.id));
  });

  it("after a failure, sends only the chunks not yet stored and ends like a fresh run", async () => {
    const path = join(a.root, "big.bin");
    const stamp = await writeFileStamped(path, randomContent(8 << 20));
    const fresh = await freshChunks(path);
    const first = newTraffic();
    first.failWhen = (routeKey, n) => routeKey === "PUT /api/chunks/:id" && n > 6;
    await expect(uploaderWith(first).upload("big.bin", path, stamp)).rejects.toBeInstanceOf(NetworkError);
    expect(await a.progress.paths()).toEqual(["big.bin"]);
    const confirmed = await a.progress.resume("big.bin", stamp, bench.keyring.current.epoch);
    expect(confirmed.length).toBeGreaterThanOrEqual(5);

    const second = newTraffic();
    const seen: number[] = [];
    const up = uploaderWith(second);
    const target: HttpTarget = { serverUrl: bench.server.url, token: bench.server.machine.token, fetch: countingFetch(second) };
    const resumed = await new Uploader({
      client: target, keyring: bench.keyring, progress: a.progress, index: a.index, chunkSizes: sizes,
      onBytes: (_p, done) => seen.push(done),
    }).upload("big.bin", path, stamp);
    await up.close();
    expect(seen[0]).toBe(confirmed.reduce((s, c) => s + c.size, 0));
    expect(resumed.chunks).toEqual(fresh);
    const allBytes = fresh.reduce((s, c) => s + encryptedChunkLength(c.size), 0);
    const storedFirst = fresh.slice(0, 6).reduce((s, c) => s + encryptedChunkLength(c.size), 0);
    const sentSecond = total(second.sent, "PUT") + total(second.sent, "/api/chunks/batch");
    expect(sentSecond).toBeLessThanOrEqual(allBytes - storedFirst);
    expect(sentSecond).toBeGreaterThan(0);
    expect(await a.progress.paths()).toEqual([]);
  });

  it("starts over when the file changed between the attempts", async () => {
    const path = join(a.root, "changing.bin");
    const stamp = await writeFileStamped(path, randomContent(4 << 20));
    const first = newTraffic();
    first.failWhen = (routeKey, n) => routeKey === "PUT /api/chunks/:id" && n > 3;
    await expect(uploaderWith(first).upload("changing.bin", path, stamp)).rejects.toBeInstanceOf(NetworkError);
    expect((await a.progress.resume("changing.bin", stamp, 1)).length).toBeGreaterThan(0);
    await appendFile(path, randomContent(1000));
    const changed = await stampOf(path);
    const seen: number[] = [];
    const target: HttpTarget = { serverUrl: bench.server.url, token: bench.server.machine.token };
    const result = await new Uploader({
      client: target, keyring: bench.keyring, progress: a.progress, index: a.index, chunkSizes: sizes,
      onBytes: (_p, done) => seen.push(done),
    }).upload("changing.bin", path, changed);
    expect(seen[0]).toBe(0);
    expect(result.chunks).toEqual(await freshChunks(path));
    expect(result.size).toBe((4 << 20) + 1000);
  });

  it("refuses a file that is not as scanned, and one that changes while read", async () => {
    const path = join(a.root, "moving.bin");
    const stamp = await writeFileStamped(path, randomContent(3 << 20));
    await expect(a.uploader.upload("moving.bin", path, { ...stamp, size: stamp.size + 1 })).rejects.toBeInstanceOf(FileChangedError);
    // One chunk in flight at a time: the file grows while the first one is being stored.
    let grown = false;
    const target: HttpTarget = {
      serverUrl: bench.server.url,
      token: bench.server.machine.token,
      fetch: (input, init) => {
        if (!grown) {
          grown = true;
          appendFileSync(path, "more");
        }
        return fetch(input, init);
      },
    };
    const up = new Uploader({ client: target, keyring: bench.keyring, progress: a.progress, index: a.index, chunkSizes: sizes, inFlightBytes: 1 });
    await expect(up.upload("moving.bin", path, stamp)).rejects.toBeInstanceOf(FileChangedError);
    expect(grown).toBe(true);
    expect(await a.progress.paths()).not.toContain("moving.bin");
  });
});
