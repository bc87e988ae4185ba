// A 200 MB file A→B with the default chunk sizes: every byte intact, large
// chunks by PUT, and the fetches planned within the server's bounds (A6, K1).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { randomContent, startBench, stampOf, total, type Bench } from "./harness.ts";

let bench: Bench;
beforeAll(async () => {
  bench = await startBench();
});
afterAll(async () => {
  await bench.close();
});

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest("hex");
}

it("moves a 200 MB file intact", async () => {
  const a = await bench.side();
  const b = await bench.side();
  const source = join(a.root, "video.bin");
  const handle = await open(source, "w");
  for (let i = 0; i < 25; i++) await handle.write(randomContent(8 << 20));
  await handle.close();
  const stamp = await stampOf(source);
  const up = await a.uploader.upload("video.bin", source, stamp);
  expect(up.size).toBe(200 << 20);
  expect(up.chunks.length).toBeGreaterThan(20);
  expect(total(a.traffic.requests, "PUT")).toBeGreaterThan(20);
  const target = join(b.root, "video.bin");
  await b.downloader.download("video.bin", target, { mtimeMs: stamp.mtimeMs, mode: 0o644, ...up }, null);
  expect(await sha256(target)).toBe(await sha256(source));
  const fetches = total(b.traffic.requests, "/api/chunks/fetch");
  expect(fetches).toBeGreaterThanOrEqual(7);
  expect(fetches).toBeLessThanOrEqual(up.chunks.length);
}, 120_000);
