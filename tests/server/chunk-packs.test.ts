/**
 * Chunk packs over real HTTP (S6): a batch upload stores its new small
 * chunks as one pack object in the LocalFS folder, every chunk reads back
 * byte-exact through the single and the batch routes, large chunks and a
 * lone chunk stay standalone, a purge of some chunks keeps the pack and of
 * all removes it, and `check --deep` sees a damaged pack.
 */
import { Buffer } from "node:buffer";
import { readdir, truncate } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BATCH_CHUNKS } from "../../lib/server/chunks/batch.ts";
import { CHUNKS_CONTENT_TYPE, decodeFrames, encodeFrames, type Frame } from "../../lib/server/chunks/frames.ts";
import { collectChunks } from "../../lib/server/chunks/gc.ts";
import { PACK_MAX_CHUNK_BYTES } from "../../lib/server/chunks/pack.ts";
import { finishStalePackUploads, sha256Hex } from "../../lib/server/chunks/service.ts";
import { newPackKey } from "../../lib/server/chunks/pack.ts";
import { purgeTrash } from "../../lib/server/files/purge.ts";
import { storageKey } from "../../lib/server/chunks/storage-key.ts";
import { checkConsistency } from "../../lib/server/files/consistency.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { hexId } from "./helpers/context.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

const bytes = (n: number): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
};
const smallChunks = (n: number): { id: string; sha256: string; bytes: Uint8Array<ArrayBuffer> }[] =>
  Array.from({ length: n }, () => {
    const data = bytes(1024 + Math.floor(Math.random() * 3072));
    return { id: hexId(), sha256: sha256Hex(data), bytes: data };
  });

const chunkDir = (): string => join(server.dataDir, "chunks");

/** Every object file in the LocalFS folder (the fan-out folders, not `.tmp`). */
async function objectFiles(): Promise<string[]> {
  const entries = await readdir(chunkDir(), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && !join(e.parentPath, e.name).includes(`${join(chunkDir(), ".tmp")}`)).map((e) => e.name).sort();
}

async function upload(frames: Frame[]): Promise<{ id: string; status: string }[]> {
  const res = await server.machineFetch("/api/chunks/batch", { method: "POST", headers: { "content-type": CHUNKS_CONTENT_TYPE }, body: encodeFrames(frames) as Uint8Array<ArrayBuffer> });
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: { id: string; status: string }[] }).results;
}

async function fetchChunks(ids: string[]): Promise<Frame[]> {
  const res = await server.machineFetch("/api/chunks/fetch", { method: "POST", body: JSON.stringify({ ids }) });
  expect(res.status).toBe(200);
  return decodeFrames(new Uint8Array(await res.arrayBuffer()), { maxFrames: MAX_BATCH_CHUNKS, maxChunkBytes: 1 << 25 });
}

async function rowOf(id: string): Promise<{ vaultId: string; packKey: string | null; offset: number | null; length: number | null }> {
  const r = await server.ctx.db.execute({ sql: "SELECT vault_id, pack_key, pack_offset, pack_length FROM chunks WHERE id = ?", args: [id] });
  const row = r.rows[0];
  expect(row).toBeDefined();
  return {
    vaultId: row?.vault_id as string,
    packKey: row?.pack_key === null ? null : (row?.pack_key as string),
    offset: row?.pack_offset === null ? null : Number(row?.pack_offset),
    length: row?.pack_length === null ? null : Number(row?.pack_length),
  };
}

/** Every chunk reads back byte-exact: GET, HEAD and one batch fetch. */
async function expectReadable(chunks: { id: string; sha256: string; bytes: Uint8Array }[]): Promise<void> {
  for (const c of chunks) {
    const got = await server.machineFetch(`/api/chunks/${c.id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get("etag")).toBe(`"${c.sha256}"`);
    expect(Buffer.compare(new Uint8Array(await got.arrayBuffer()), c.bytes), `${c.id} served other bytes`).toBe(0);
    const head = await server.machineFetch(`/api/chunks/${c.id}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(c.bytes.byteLength));
  }
  const frames = await fetchChunks(chunks.map((c) => c.id));
  expect(frames.map((f) => f.id)).toEqual(chunks.map((c) => c.id));
  for (const [i, c] of chunks.entries()) {
    expect(frames[i]?.sha256).toBe(c.sha256);
    expect(Buffer.compare(frames[i]?.bytes ?? new Uint8Array(), c.bytes), `${c.id} came back with other bytes`).toBe(0);
  }
}

async function expectMissing(ids: string[]): Promise<void> {
  const res = await server.machineFetch("/api/chunks/missing", { method: "POST", body: JSON.stringify({ ids }) });
  expect(((await res.json()) as { missing: string[] }).missing).toEqual(ids);
  for (const id of ids) {
    const got = await server.machineFetch(`/api/chunks/${id}`);
    expect(got.status).toBe(404);
    await got.arrayBuffer();
  }
}

describe("chunk packs (S6)", () => {
  it("stores the new small chunks of a batch as one pack object, in frame order, each readable byte-exact", async () => {
    const chunks = smallChunks(200);
    const before = await objectFiles();
    const got = await upload(chunks);
    expect(got.every((r) => r.status === "stored")).toBe(true);
    const added = (await objectFiles()).filter((f) => !before.includes(f));
    expect(added).toHaveLength(1);
    let offset = 0;
    for (const c of chunks) {
      expect(await rowOf(c.id)).toMatchObject({ packKey: added[0], offset, length: c.bytes.byteLength });
      offset += c.bytes.byteLength;
    }
    await expectReadable(chunks);
    // A second upload of the same ids writes nothing: they exist.
    const again = await upload(chunks.map((c) => ({ id: c.id, sha256: null, bytes: bytes(10) })));
    expect(again.every((r) => r.status === "exists")).toBe(true);
    expect((await objectFiles()).length).toBe(before.length + 1);
    expect((await checkConsistency(server.ctx.db, server.ctx.store, { deep: true })).problems).toEqual([]);
  });

  it("keeps large chunks and a lone small chunk as standalone objects, and packs only the new chunks of a batch", async () => {
    const [known] = smallChunks(1);
    expect(await upload([known!])).toEqual([expect.objectContaining({ id: known!.id, status: "stored" })]);
    const lone = await rowOf(known!.id);
    expect(lone.packKey).toBeNull();
    const large = bytes(PACK_MAX_CHUNK_BYTES + 1);
    const big = { id: hexId(), sha256: sha256Hex(large), bytes: large };
    const small = smallChunks(3);
    const before = await objectFiles();
    const got = await upload([small[0]!, big, known!, small[1]!, small[2]!]);
    expect(got.map((r) => r.status)).toEqual(["stored", "stored", "exists", "stored", "stored"]);
    const added = (await objectFiles()).filter((f) => !before.includes(f));
    expect(added.sort()).toEqual([storageKey(lone.vaultId, big.id), (await rowOf(small[0]!.id)).packKey].sort());
    expect(await rowOf(big.id)).toMatchObject({ packKey: null });
    expect((await rowOf(small[2]!.id)).offset).toBe(small[0]!.bytes.byteLength + small[1]!.bytes.byteLength);
    await expectReadable([known!, ...small, big]);
  });

  it("keeps the pack while some of its chunks are purged, and deletes it with the last", async () => {
    const chunks = smallChunks(20);
    await upload(chunks);
    const { vaultId, packKey } = await rowOf(chunks[0]!.id);
    const packPath = join(chunkDir(), packKey!.slice(0, 2), packKey!.slice(2, 4), packKey!);
    const doomed = chunks.filter((_, i) => i % 3 === 0);
    const kept = chunks.filter((_, i) => i % 3 !== 0);
    expect(await collectChunks(server.ctx, vaultId, doomed.map((c) => c.id))).toEqual({
      chunksDeleted: doomed.length,
      bytesFreed: doomed.reduce((n, c) => n + c.bytes.byteLength, 0),
    });
    expect(await objectFiles()).toContain(packKey);
    await expectMissing(doomed.map((c) => c.id));
    await expectReadable(kept);
    expect((await checkConsistency(server.ctx.db, server.ctx.store, { deep: true })).problems).toEqual([]);
    expect(await collectChunks(server.ctx, vaultId, kept.map((c) => c.id))).toMatchObject({ chunksDeleted: kept.length });
    expect(await objectFiles()).not.toContain(packKey);
    await expect(readdir(packPath)).rejects.toMatchObject({ code: "ENOENT" });
    await expectMissing(kept.map((c) => c.id));
    const rows = await server.ctx.db.execute({ sql: "SELECT COUNT(*) AS n FROM chunks WHERE pack_key = ?", args: [packKey] });
    expect(Number(rows.rows[0]?.n)).toBe(0);
    // The ids upload again, into a new pack.
    expect((await upload(chunks)).every((r) => r.status === "stored")).toBe(true);
    expect((await rowOf(chunks[0]!.id)).packKey).not.toBe(packKey);
    await expectReadable(chunks);
  });

  it("reports a pack shorter than its chunks in the check and never serves a cut chunk", async () => {
    const chunks = smallChunks(4);
    await upload(chunks);
    const { packKey } = await rowOf(chunks[0]!.id);
    const last = await rowOf(chunks[3]!.id);
    await truncate(join(chunkDir(), packKey!.slice(0, 2), packKey!.slice(2, 4), packKey!), last.offset! + 10);
    const report = await checkConsistency(server.ctx.db, server.ctx.store);
    expect(report.problems).toEqual([expect.stringMatching(new RegExp(`^chunk ${chunks[3]!.id} ends at byte \\d+ of its pack ${packKey}`))]);
    await expectReadable(chunks.slice(0, 3));
    for (const method of ["HEAD", "GET"]) {
      const res = await server.machineFetch(`/api/chunks/${chunks[3]!.id}`, { method });
      expect(res.status).toBe(404);
      await res.arrayBuffer();
    }
    const res = await server.machineFetch("/api/chunks/fetch", { method: "POST", body: JSON.stringify({ ids: [chunks[3]!.id] }) });
    await expect(res.arrayBuffer()).rejects.toThrow();
    // Tidy up for the other tests' deep checks.
    await collectChunks(server.ctx, last.vaultId, chunks.map((c) => c.id));
  });

  it("serves packed chunks asked for in any order, between standalone and missing ones, and never serves those of a pack that is gone", async () => {
    const chunks = smallChunks(40);
    const big = { id: hexId(), bytes: bytes(PACK_MAX_CHUNK_BYTES + 1) };
    await upload(chunks);
    await upload([{ ...big, sha256: sha256Hex(big.bytes) }]);
    const absent = hexId();
    const asked = [...chunks.slice(20).reverse(), { ...big, sha256: sha256Hex(big.bytes) }, ...chunks.slice(0, 20)];
    const frames = await fetchChunks([...asked.slice(0, 10).map((c) => c.id), absent, ...asked.slice(10).map((c) => c.id)]);
    expect(frames.map((f) => f.id)).toEqual([...asked.slice(0, 10).map((c) => c.id), absent, ...asked.slice(10).map((c) => c.id)]);
    expect(frames[10]?.bytes).toBeNull();
    for (const c of asked) expect(Buffer.compare(frames.find((f) => f.id === c.id)!.bytes!, c.bytes)).toBe(0);
    const { packKey, vaultId } = await rowOf(chunks[0]!.id);
    await server.ctx.store.delete(packKey!);
    const res = await server.machineFetch("/api/chunks/fetch", { method: "POST", body: JSON.stringify({ ids: chunks.map((c) => c.id) }) });
    await expect(res.arrayBuffer()).rejects.toThrow();
    await collectChunks(server.ctx, vaultId, [...chunks.map((c) => c.id), big.id]);
  });

  it("lists a pack only while its upload runs, and deletes the pack of an upload that died before recording its rows", async () => {
    const chunks = smallChunks(5);
    await upload(chunks);
    const listed = await server.ctx.db.execute("SELECT COUNT(*) AS n FROM chunk_pack_uploads");
    expect(Number(listed.rows[0]?.n)).toBe(0);
    // A dead upload: its pack is listed and stored, no row points into it.
    const { vaultId } = await rowOf(chunks[0]!.id);
    const dead = newPackKey(vaultId);
    const young = newPackKey(vaultId);
    await server.ctx.store.put(dead, bytes(5000));
    await server.ctx.store.put(young, bytes(5000));
    const now = Date.now();
    await server.ctx.db.execute({ sql: "INSERT INTO chunk_pack_uploads (pack_key, vault_id, since) VALUES (?, ?, ?), (?, ?, ?)", args: [dead, vaultId, now - 3_600_000, young, vaultId, now] });
    expect(await finishStalePackUploads(server.ctx, now - 60_000)).toBe(1);
    expect(await server.ctx.store.has(dead)).toBe(false);
    expect(await server.ctx.store.has(young)).toBe(true);
    // The daily purge runs the sweep too (past the upload time bound).
    await purgeTrash(server.ctx, { olderThanDays: 30, reason: "retention", now: now + 3_600_000 });
    expect(await server.ctx.store.has(young)).toBe(false);
    expect(Number((await server.ctx.db.execute("SELECT COUNT(*) AS n FROM chunk_pack_uploads")).rows[0]?.n)).toBe(0);
    await expectReadable(chunks);
  });
});
