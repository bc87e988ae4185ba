// Upload on A, download on B through the real server: every size, the exec
// bit and mtime, few requests for many small files, dedup (A6, K2, protocol efficiency).
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTempName } from "../../../lib/agent/transfer/temp-files.ts";
import { randomContent, startBench, total, writeFileStamped, type Bench, type Side } from "./harness.ts";

let bench: Bench;
let a: Side;
let b: Side;

beforeAll(async () => {
  bench = await startBench();
  a = await bench.side();
  b = await bench.side();
});
afterAll(async () => {
  await bench.close();
});

describe("upload then download", () => {
  it.each([0, 1, 3000, 10 << 20])("moves a file of %i bytes intact, with its mtime and mode", async (size) => {
    const data = randomContent(size);
    const rel = `sizes/f-${size}.bin`;
    const stamp = await writeFileStamped(join(a.root, rel), data);
    const up = await a.uploader.upload(rel, join(a.root, rel), stamp);
    expect(up.size).toBe(size);
    expect(up.chunks.reduce((s, c) => s + c.size, 0)).toBe(size);
    expect(up.epoch).toBe(bench.keyring.current.epoch);
    if (size === 0) expect(up.chunks).toEqual([]);
    const target = join(b.root, `f-${size}.bin`);
    const mtimeMs = 1_700_000_000_123;
    const got = await b.downloader.download(`f-${size}.bin`, target, { size, mtimeMs, mode: 0o100755, chunks: up.chunks, contentHash: up.contentHash }, null);
    expect(Buffer.compare(await readFile(target), Buffer.from(data))).toBe(0);
    const s = await stat(target);
    expect(s.mode & 0o777).toBe(0o755);
    expect(Math.abs(s.mtimeMs - mtimeMs)).toBeLessThan(1);
    expect(got.size).toBe(size);
    expect(got.ino).toBe(s.ino);
    expect((await readdir(b.root)).filter(isTempName)).toEqual([]);
  });

  it("moves 2,000 small files in a handful of requests each way", async () => {
    const files = Array.from({ length: 2000 }, (_, i) => ({ rel: `many/d${i % 20}/f${i}.txt`, data: randomContent(1000 + (i % 3000)) }));
    const stamps = await Promise.all(files.map((f) => writeFileStamped(join(a.root, f.rel), f.data)));
    const before = new Map(a.traffic.requests);
    const results = await Promise.all(files.map((f, i) => a.uploader.upload(f.rel, join(a.root, f.rel), stamps[i]!)));
    const upRequests = total(a.traffic.requests) - total(before);
    // Batched across files: a slow machine flushes more often (a linger of 250 ms at most), never once per file.
    expect(upRequests).toBeLessThanOrEqual(40);
    expect(upRequests).toBeGreaterThanOrEqual(2);

    const beforeB = total(b.traffic.requests);
    await Promise.all(
      files.map((f, i) =>
        b.downloader.download(`small-${i}`, join(b.root, `small-${i}`), { mtimeMs: 1e12, mode: 0o644, ...results[i]! }, null),
      ),
    );
    const downRequests = total(b.traffic.requests) - beforeB;
    expect(downRequests).toBeLessThanOrEqual(40);
    for (const i of [0, 1, 999, 1999]) expect(Buffer.compare(await readFile(join(b.root, `small-${i}`)), Buffer.from(files[i]!.data))).toBe(0);
  });

  it("uploads the same content only once", async () => {
    const data = randomContent(3 << 20);
    const s1 = await writeFileStamped(join(a.root, "dup/one.bin"), data);
    const s2 = await writeFileStamped(join(a.root, "dup/two.bin"), data);
    const sentBefore = total(a.traffic.sent, "/api/chunks/");
    const first = await a.uploader.upload("dup/one.bin", join(a.root, "dup/one.bin"), s1);
    const afterFirst = total(a.traffic.sent, "/api/chunks/");
    expect(afterFirst - sentBefore).toBeGreaterThan(data.length);
    const second = await a.uploader.upload("dup/two.bin", join(a.root, "dup/two.bin"), s2);
    expect(second.chunks).toEqual(first.chunks);
    expect(second.contentHash).toBe(first.contentHash);
    // Only the missing-chunk query went out: no chunk bytes.
    expect(total(a.traffic.sent, "/api/chunks/") - afterFirst).toBeLessThan(10_000);
  });
});
