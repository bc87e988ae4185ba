/**
 * Batch chunk transfers over real HTTP (S6, DESIGN §3): many
 * small chunks per request both ways in the binary framing
 * `application/vnd.syncagent.chunks`, per-chunk results and digests,
 * first bytes win, bounded count and bytes (413), malformed frames (400).
 */
import { Buffer } from "node:buffer";
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BATCH_CHUNKS } from "../../lib/server/chunks/batch.ts";
import { CHUNKS_CONTENT_TYPE, decodeFrames, encodeFrames, type Frame } from "../../lib/server/chunks/frames.ts";
import { sha256Hex } from "../../lib/server/chunks/service.ts";
import { storageKey } from "../../lib/server/chunks/storage-key.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { hexId } from "./helpers/context.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { "max-chunk-bytes": "8192" } });
});
afterAll(async () => server.close());

const bytes = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));

function upload(frames: Frame[] | Uint8Array, contentType = CHUNKS_CONTENT_TYPE): Promise<Response> {
  const body = frames instanceof Uint8Array ? frames : encodeFrames(frames);
  return server.machineFetch("/api/chunks/batch", { method: "POST", headers: { "content-type": contentType }, body: body as Uint8Array<ArrayBuffer> });
}

async function results(res: Response): Promise<{ id: string; status: string; size?: number; sha256?: string }[]> {
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: { id: string; status: string }[] }).results;
}

async function fetchChunks(ids: string[]): Promise<Frame[]> {
  const res = await server.machineFetch("/api/chunks/fetch", { method: "POST", body: JSON.stringify({ ids }) });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe(CHUNKS_CONTENT_TYPE);
  return decodeFrames(new Uint8Array(await res.arrayBuffer()), { maxFrames: MAX_BATCH_CHUNKS, maxChunkBytes: 8192 });
}

describe("batch upload and download (S6)", () => {
  it("stores many chunks in one request with per-chunk results, and serves them in one body", async () => {
    const chunks = Array.from({ length: 300 }, () => {
      const data = bytes(1024 + Math.floor(Math.random() * 3072));
      return { id: hexId(), sha256: sha256Hex(data), bytes: data };
    });
    const got = await results(await upload(chunks));
    expect(got).toEqual(chunks.map((c) => ({ id: c.id, status: "stored", size: c.bytes.byteLength, sha256: c.sha256 })));
    const absent = hexId();
    const frames = await fetchChunks([...chunks.map((c) => c.id), absent]);
    expect(frames.map((f) => f.id)).toEqual([...chunks.map((c) => c.id), absent]);
    for (const [i, c] of chunks.entries()) {
      expect(frames[i]?.sha256).toBe(c.sha256);
      // Buffer.compare, not toEqual: a deep compare of 300 arrays byte by byte holds the event loop for seconds, past the server's keep-alive deadline, whose socket close then races the next request.
      expect(Buffer.compare(frames[i]?.bytes ?? new Uint8Array(), c.bytes), `${c.id} came back with other bytes`).toBe(0);
    }
    expect(frames[300]).toEqual({ id: absent, sha256: null, bytes: null });
    // The single-chunk route serves the same bytes.
    const one = await server.machineFetch(`/api/chunks/${chunks[7]?.id}`);
    expect(Buffer.compare(new Uint8Array(await one.arrayBuffer()), chunks[7]?.bytes ?? new Uint8Array())).toBe(0);
  });

  it("refuses a chunk whose digest does not match, stores the others, and keeps first bytes", async () => {
    const [a, b, c] = [hexId(), hexId(), hexId()];
    const [da, db, dc] = [bytes(100), bytes(200), bytes(300)];
    const got = await results(
      await upload([
        { id: a, sha256: sha256Hex(da), bytes: da },
        { id: b, sha256: sha256Hex(bytes(200)), bytes: db },
        { id: c, sha256: null, bytes: dc },
      ]),
    );
    expect(got.map((r) => [r.id, r.status])).toEqual([
      [a, "stored"],
      [b, "digest_mismatch"],
      [c, "stored"],
    ]);
    // A second batch with other bytes for a and c: exists, and the first bytes stay.
    const again = await results(await upload([{ id: a, sha256: null, bytes: bytes(50) }, { id: c, sha256: null, bytes: bytes(50) }]));
    expect(again).toEqual([
      { id: a, status: "exists", size: 100, sha256: sha256Hex(da) },
      { id: c, status: "exists", size: 300, sha256: sha256Hex(dc) },
    ]);
    const frames = await fetchChunks([a, b, c]);
    expect(frames.map((f) => f.bytes)).toEqual([da, null, dc]);
  });

  it("counts a repeated id once: the first bytes", async () => {
    const id = hexId();
    const first = bytes(64);
    const got = await results(await upload([{ id, sha256: null, bytes: first }, { id, sha256: null, bytes: bytes(64) }]));
    expect(got).toEqual([{ id, status: "stored", size: 64, sha256: sha256Hex(first) }]);
    expect((await fetchChunks([id]))[0]?.bytes).toEqual(first);
  });

  it("is bounded: more than MAX_BATCH_CHUNKS chunks or ids is 413 / 422, and nothing is stored", async () => {
    const frames = Array.from({ length: MAX_BATCH_CHUNKS + 1 }, () => ({ id: hexId(), sha256: null, bytes: bytes(1) }));
    const res = await upload(frames);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "too_large", maxChunks: MAX_BATCH_CHUNKS } });
    const missing = await server.machineFetch("/api/chunks/missing", { method: "POST", body: JSON.stringify({ ids: [frames[0]?.id] }) });
    expect(await missing.json()).toEqual({ missing: [frames[0]?.id] });
    const ids = Array.from({ length: MAX_BATCH_CHUNKS + 1 }, hexId);
    const fetchRes = await server.machineFetch("/api/chunks/fetch", { method: "POST", body: JSON.stringify({ ids }) });
    expect(fetchRes.status).toBe(422);
  });

  it("refuses a chunk over max-chunk-bytes with 413, malformed frames with 400, another content type with 415", async () => {
    expect((await upload([{ id: hexId(), sha256: null, bytes: bytes(8193) }])).status).toBe(413);
    const truncated = encodeFrames([{ id: hexId(), sha256: null, bytes: bytes(100) }]).subarray(0, 120);
    const bad = await upload(truncated);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "invalid_frames" } });
    const empty = await upload([{ id: hexId(), sha256: null, bytes: new Uint8Array(0) }]);
    expect(empty.status).toBe(400);
    expect((await upload(encodeFrames([{ id: hexId(), sha256: null, bytes: bytes(10) }]), "application/json")).status).toBe(415);
  });

  it("cuts a batch download short rather than serve a chunk whose stored length changed", async () => {
    const id = hexId();
    const data = bytes(2000);
    await results(await upload([{ id, sha256: null, bytes: data }]));
    const row = await server.ctx.db.execute({ sql: "SELECT vault_id FROM chunks WHERE id = ?", args: [id] });
    const key = storageKey(row.rows[0]?.vault_id as string, id);
    await truncate(join(server.dataDir, "chunks", key.slice(0, 2), key.slice(2, 4), key), 1500);
    const res = await server.machineFetch("/api/chunks/fetch", { method: "POST", body: JSON.stringify({ ids: [hexId(), id] }) });
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it("needs a machine token or a session", async () => {
    const res = await server.fetch("/api/chunks/fetch", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ids: [hexId()] }) });
    expect(res.status).toBe(401);
  });
});
