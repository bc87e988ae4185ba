/**
 * Chunk transfer benchmark (S6, DESIGN §3): 50,000 small chunks (1–4 KiB of
 * random bytes) uploaded through `POST /api/chunks/batch` and downloaded
 * through `POST /api/chunks/fetch` on loopback, several requests in flight.
 * Prints `server.chunks.upload` and `server.chunks.download` (target ≥ 5,000
 * chunks/s each way), and `server.chunks.put`: large chunks (4 MiB) one per
 * `PUT /api/chunks/:id` with their digest, as agents send big files. Each
 * result carries the server's CPU seconds when the caller can measure them.
 * Called by scripts/bench/server.ts against its server.
 */
import { createHash } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { CHUNKS_CONTENT_TYPE, decodeFrames, encodeFrames, type Frame } from "../../lib/server/chunks/frames.ts";

/** Tuning of {@link benchChunks}. */
export interface ChunkBenchOptions {
  chunks: number;
  perRequest: number;
  concurrency: number;
}

const TARGET = 5000;
const round = (n: number): number => Math.round(n * 100) / 100;
const hex = (n: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString("hex");

function makeChunks(count: number): Frame[] {
  return Array.from({ length: count }, () => {
    const bytes = new Uint8Array(1024 + Math.floor(Math.random() * 3073));
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    return { id: hex(32), sha256: createHash("sha256").update(bytes).digest("hex"), bytes };
  });
}

async function inFlight<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

/**
 * Runs the benchmark and prints its two results.
 * @param url The server's base URL.
 * @param token A machine token.
 * @param options Chunk count, chunks per request, requests in flight.
 * @param cpu The server's CPU seconds so far (0 when unknown).
 * @param tags Fields added to every result (database, processes).
 */
export async function benchChunks(url: string, token: string, options: Partial<ChunkBenchOptions> = {}, cpu: () => number = () => 0, tags: object = {}): Promise<void> {
  const { chunks: count, perRequest, concurrency } = { chunks: 50_000, perRequest: 2048, concurrency: 4, ...options };
  const chunks = makeChunks(count);
  const bytes = chunks.reduce((n, c) => n + (c.bytes?.byteLength ?? 0), 0);
  const batches: Frame[][] = [];
  for (let i = 0; i < chunks.length; i += perRequest) batches.push(chunks.slice(i, i + perRequest));
  const auth = { authorization: `Bearer ${token}` };
  const env = { cpus: cpus().length, loadAvg1: round(loadavg()[0] ?? 0), concurrency, perRequest, requests: batches.length, ...tags };

  let stored = 0;
  let cpuAt = cpu();
  const up = performance.now();
  await inFlight(batches, concurrency, async (batch) => {
    const res = await fetch(`${url}/api/chunks/batch`, { method: "POST", headers: { ...auth, "content-type": CHUNKS_CONTENT_TYPE }, body: encodeFrames(batch) as Uint8Array<ArrayBuffer> });
    if (res.status !== 200) throw new Error(`batch upload: ${res.status} ${await res.text()}`);
    const { results } = (await res.json()) as { results: { status: string }[] };
    stored += results.filter((r) => r.status === "stored").length;
  });
  const upMs = performance.now() - up;
  if (stored !== count) throw new Error(`stored ${stored} of ${count}`);
  const upRate = count / (upMs / 1000);
  console.log(JSON.stringify({ bench: "server.chunks.upload", chunks: count, mb: round(bytes / 1e6), ms: Math.round(upMs), chunksPerSec: Math.round(upRate), mbPerSec: round(bytes / 1e6 / (upMs / 1000)), ...env, target: TARGET, meetsTarget: upRate >= TARGET, serverCpuSeconds: round(cpu() - cpuAt) }));

  let received = 0;
  cpuAt = cpu();
  const down = performance.now();
  await inFlight(batches, concurrency, async (batch) => {
    const res = await fetch(`${url}/api/chunks/fetch`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ ids: batch.map((c) => c.id) }) });
    if (res.status !== 200) throw new Error(`batch download: ${res.status} ${await res.text()}`);
    const frames = decodeFrames(new Uint8Array(await res.arrayBuffer()), { maxFrames: perRequest, maxChunkBytes: 1 << 24 });
    for (const [i, f] of frames.entries()) {
      if (f.id !== batch[i]?.id || f.sha256 !== batch[i]?.sha256 || f.bytes?.byteLength !== batch[i]?.bytes?.byteLength) throw new Error(`chunk ${f.id} differs`);
    }
    received += frames.length;
  });
  const downMs = performance.now() - down;
  if (received !== count) throw new Error(`received ${received} of ${count}`);
  const downRate = count / (downMs / 1000);
  console.log(JSON.stringify({ bench: "server.chunks.download", chunks: count, mb: round(bytes / 1e6), ms: Math.round(downMs), chunksPerSec: Math.round(downRate), mbPerSec: round(bytes / 1e6 / (downMs / 1000)), ...env, target: TARGET, meetsTarget: downRate >= TARGET, serverCpuSeconds: round(cpu() - cpuAt) }));
}

/** Tuning of {@link benchPuts}. */
export interface PutBenchOptions {
  chunks: number;
  chunkBytes: number;
  concurrency: number;
}

/**
 * Uploads large chunks one per `PUT /api/chunks/:id` (with `X-Content-SHA256`)
 * and downloads them again one per `GET`, and prints `server.chunks.put` and
 * `server.chunks.get`.
 * @param url The server's base URL.
 * @param token A machine token.
 * @param options Chunk count and size, requests in flight.
 * @param cpu The server's CPU seconds so far (0 when unknown).
 * @param tags Fields added to every result (database, processes).
 */
export async function benchPuts(url: string, token: string, options: Partial<PutBenchOptions> = {}, cpu: () => number = () => 0, tags: object = {}): Promise<void> {
  const { chunks: count, chunkBytes, concurrency } = { chunks: 64, chunkBytes: 4 * 1024 * 1024, concurrency: 4, ...options };
  const chunks = makeChunks(count).map((c) => {
    const bytes = new Uint8Array(chunkBytes);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    return { id: c.id, sha256: createHash("sha256").update(bytes).digest("hex"), bytes };
  });
  const mb = (count * chunkBytes) / 1e6;
  const auth = { authorization: `Bearer ${token}` };
  let cpuAt = cpu();
  const up = performance.now();
  await inFlight(chunks, concurrency, async (c) => {
    const res = await fetch(`${url}/api/chunks/${c.id}`, { method: "PUT", headers: { ...auth, "content-type": "application/octet-stream", "x-content-sha256": c.sha256 }, body: c.bytes });
    if (res.status !== 201) throw new Error(`chunk put: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  });
  const upMs = performance.now() - up;
  console.log(JSON.stringify({ bench: "server.chunks.put", chunks: count, mb: round(mb), ms: Math.round(upMs), mbPerSec: round(mb / (upMs / 1000)), concurrency, ...tags, serverCpuSeconds: round(cpu() - cpuAt) }));
  cpuAt = cpu();
  const down = performance.now();
  await inFlight(chunks, concurrency, async (c) => {
    const res = await fetch(`${url}/api/chunks/${c.id}`, { headers: auth });
    if (res.status !== 200) throw new Error(`chunk get: ${res.status} ${await res.text()}`);
    const got = new Uint8Array(await res.arrayBuffer());
    if (got.byteLength !== c.bytes.byteLength) throw new Error(`chunk ${c.id} differs`);
  });
  const downMs = performance.now() - down;
  console.log(JSON.stringify({ bench: "server.chunks.get", chunks: count, mb: round(mb), ms: Math.round(downMs), mbPerSec: round(mb / (downMs / 1000)), concurrency, ...tags, serverCpuSeconds: round(cpu() - cpuAt) }));
}

if (import.meta.url === new URL(`file://${process.argv[1] ?? ""}`).href) {
  console.error("server-chunks runs against the server of scripts/bench/server.ts: npm run bench -- server");
  process.exitCode = 2;
}
