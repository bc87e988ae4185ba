// Chunk deletion across server processes sharing one database and one
// chunk folder (a second server, or purge-trash beside a running server):
// an upload that raced a deletion is never recorded over deleted bytes, and
// objects are keyed per account (S5, S6).
//
// The first tests race real `syncagent server` child processes (and the
// `purge-trash` CLI) over HTTP. The later ones replay the one interleaving
// that matters step by step, with two server contexts in this process, since
// real processes hit it only by chance.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { finishChunkDeletion, markChunkDeleting } from "../../lib/server/chunks/gc.ts";
import { deletionGeneration, missingChunks, presentChunk, putChunk, recordStoredChunk } from "../../lib/server/chunks/service.ts";
import { storageKey } from "../../lib/server/chunks/storage-key.ts";
import { closeServerContext, openServerContext } from "../../lib/server/bootstrap.ts";
import type { ServerContext } from "../../lib/server/context.ts";
import { checkConsistency } from "../../lib/server/files/consistency.ts";
import { createTestActor, createTestContext, hexId, versionInput, type TestServerContext } from "./helpers/context.ts";
import { ROOT_NODE_ID as ROOT } from "./helpers/nodes.ts";
import { adminFetch, setUpAdmin, startCluster, type Cluster } from "./helpers/cluster.ts";
import { runCli } from "./helpers/spawn.ts";
import { waitFor } from "../helpers/wait.ts";
import { CHUNKS_CONTENT_TYPE, encodeFrames } from "../../lib/server/chunks/frames.ts";

type Actor = Awaited<ReturnType<typeof createTestActor>>;
let t: TestServerContext;
let other: ServerContext; // a second server context on the same database and folder, as a second process would open
let actor: Actor;

/** Two server contexts on one temp data dir, for the step-by-step tests. */
function withTwoContexts(): void {
  beforeEach(async () => {
    t = await createTestContext();
    other = await openServerContext(t.ctx.config, { stdout: false });
    actor = await createTestActor(t.ctx);
  });
  afterEach(async () => {
    await closeServerContext(other);
    await t.cleanup();
  });
}

const bytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));

describe("a trash purge racing re-uploads of its chunks, across real server processes", () => {
  const CHUNKS = 40;
  let cluster: Cluster;
  let token: string;
  let adminOnA: (path: string, init?: RequestInit) => Promise<Response>;
  beforeAll(async () => {
    cluster = await startCluster(2);
    const a = cluster.servers[0]!.url;
    const admin = await setUpAdmin(a);
    adminOnA = (path, init) => adminFetch(a, admin, path, init);
    const inv = (await (await adminOnA("/api/invitations", { method: "POST" })).json()) as { code: string };
    const reg = await fetch(`${a}/api/machines/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ invitation: inv.code, name: "uploader", platform: "linux" }),
    });
    expect(reg.status).toBe(201);
    token = ((await reg.json()) as { token: string }).token;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const machine = (url: string, path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${token}`);
    if (typeof init.body === "string") headers.set("content-type", "application/json");
    return fetch(url + path, { ...init, headers });
  };

  /** One batch upload (the new small chunks become one pack): the status of each chunk, as the single route would answer it. */
  async function batchUpload(url: string, group: [string, Uint8Array<ArrayBuffer>][]): Promise<string[]> {
    const body = encodeFrames(group.map(([id, b]) => ({ id, sha256: null, bytes: b })));
    const res = await machine(url, "/api/chunks/batch", { method: "POST", headers: { "content-type": CHUNKS_CONTENT_TYPE }, body: body as Uint8Array<ArrayBuffer> });
    if (res.status !== 200) {
      const code = ((await res.json()) as { error: { code: string } }).error.code;
      return group.map(() => `${res.status} ${code}`);
    }
    const { results } = (await res.json()) as { results: { status: string }[] };
    return results.map((r) => ({ stored: "201", exists: "200", busy: "503 chunk_busy" })[r.status] ?? r.status);
  }

  /** Uploads the chunks (one at a time, or in packs of `PACKED`), commits one file made of them and deletes it: the chunks are in the trash only. */
  async function trashedFile(url: string, via: "put" | "batch" = "put"): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
    const chunks = new Map(Array.from({ length: CHUNKS }, () => [hexId(), bytes(2048)] as const));
    if (via === "batch") {
      for (const group of groupsOf([...chunks], PACKED)) expect(await batchUpload(url, group)).toEqual(group.map(() => "201"));
    }
    for (const [id, body] of via === "put" ? chunks : []) {
      expect((await machine(url, `/api/chunks/${id}`, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body })).status).toBe(201);
    }
    const nodeId = hexId().slice(0, 32);
    const item = versionInput(nodeId, ROOT, 0, [...chunks.keys()]);
    const commit = async (items: unknown[]): Promise<void> => {
      const res = await machine(url, "/api/commits", { method: "POST", body: JSON.stringify({ items }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { results: { status: string }[] }).results).toMatchObject([{ status: "ok" }]);
    };
    await commit([item]);
    await commit([versionInput(nodeId, ROOT, 1, [], "delete")]);
    return chunks;
  }

  /**
   * Re-uploads every chunk over and over, each chunk through one of `urls`
   * in turn (one uploader per chunk, so nothing else rewrites its bytes
   * between two looks), from now until `stop()`. After each upload the
   * server says it holds (stored now, or already held), it reads the chunk
   * back; when that finds no bytes, the chunk must count as missing (a
   * deletion took it). A chunk that is neither missing nor
   * readable is a row recorded over deleted bytes: `violations` lists it.
   */
  function hammer(
    urls: string[],
    chunks: Map<string, Uint8Array<ArrayBuffer>>,
    via: "put" | "batch" = "put",
  ): { answers: string[]; violations: string[]; errors: unknown[]; stop(): Promise<void> } {
    let stopped = false;
    const answers: string[] = [];
    const violations: string[] = [];
    const errors: unknown[] = [];
    const readBack = async (url: string, id: string): Promise<void> => {
      const read = await machine(url, `/api/chunks/${id}`);
      await read.arrayBuffer();
      if (read.status === 200) return;
      const missing = await machine(url, "/api/chunks/missing", { method: "POST", body: JSON.stringify({ ids: [id] }) });
      if (!((await missing.json()) as { missing: string[] }).missing.includes(id)) violations.push(id);
    };
    // Batch: one uploader per group of PACKED chunks, each upload of a group writing a new pack.
    const batches = via === "batch" ? groupsOf([...chunks], PACKED) : [];
    const batchLanes = batches.map(async (group, index) => {
      const url = urls[index % urls.length]!;
      try {
        do {
          const got = await batchUpload(url, group);
          answers.push(...got);
          for (const [i, [id]] of group.entries()) if (got[i] === "201" || got[i] === "200") await readBack(url, id);
        } while (!stopped);
      } catch (error) {
        errors.push(error);
      }
    });
    const settled = Promise.all([
      ...batchLanes,
      ...[...(via === "put" ? chunks : [])].map(async ([id, body], index) => {
        const url = urls[index % urls.length]!;
        try {
          do {
            const res = await machine(url, `/api/chunks/${id}`, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body });
            // 201: stored now; 200: the vault already holds these bytes (first bytes win, S6).
            const held = res.status === 201 || res.status === 200;
            const code = held ? "" : ((await res.json()) as { error: { code: string } }).error.code;
            if (held) await res.arrayBuffer();
            answers.push(`${res.status} ${code}`.trim());
            if (!held) continue;
            const read = await machine(url, `/api/chunks/${id}`);
            await read.arrayBuffer();
            if (read.status === 200) continue;
            const missing = await machine(url, "/api/chunks/missing", { method: "POST", body: JSON.stringify({ ids: [id] }) });
            if (!((await missing.json()) as { missing: string[] }).missing.includes(id)) violations.push(id);
          } while (!stopped);
        } catch (error) {
          errors.push(error);
        }
      }),
    ]);
    return {
      answers,
      violations,
      errors,
      async stop() {
        stopped = true;
        await settled;
        if (errors.length > 0) throw errors[0];
      },
    };
  }

  /** Every answer an upload may get while a deletion runs: stored, already held, or told to retry. */
  function expectOnlyStoredOrBusy(answers: string[]): void {
    const kinds = [...new Set(answers)];
    expect(kinds.every((x) => x === "201" || x === "200" || x === "503 chunk_busy"), kinds.join(", ")).toBe(true);
  }

  /** No chunk row without its bytes: `server check --deep`, and every chunk either missing or served whole. */
  async function expectConsistent(chunks: Map<string, Uint8Array<ArrayBuffer>>): Promise<void> {
    const check = await runCli(["server", "check", "--deep"], { SYNCAGENT_DATA_DIR: cluster.dataDir });
    expect(check.stderr).toBe("");
    expect(check.stdout).toMatch(/^OK: /);
    expect(check.code).toBe(0);
    for (const server of cluster.servers) {
      const res = await machine(server.url, "/api/chunks/missing", { method: "POST", body: JSON.stringify({ ids: [...chunks.keys()] }) });
      expect(res.status).toBe(200);
      const missing = new Set(((await res.json()) as { missing: string[] }).missing);
      for (const [id, body] of chunks) {
        const got = await machine(server.url, `/api/chunks/${id}`);
        if (missing.has(id)) {
          expect(got.status, `${id} is missing but served`).toBe(404);
          await got.arrayBuffer();
        } else {
          expect(got.status, `${id} is present but not served`).toBe(200);
          expect(Buffer.compare(new Uint8Array(await got.arrayBuffer()), body), `${id} served other bytes`).toBe(0);
        }
      }
    }
  }

  it("records no chunk without its bytes when server A purges while server B takes the same chunks again", async () => {
    const [a, b] = cluster.servers.map((s) => s.url) as [string, string];
    const chunks = await trashedFile(a);
    const uploads = hammer([b], chunks);
    try {
      await waitFor("every chunk re-uploaded through B once", () => uploads.errors.length > 0 || uploads.answers.length >= 2 * CHUNKS, 60_000);
      const purge = await adminOnA("/api/admin/purge-trash", { method: "POST", body: JSON.stringify({ olderThanDays: 0 }) });
      expect(purge.status).toBe(200);
      expect(await purge.json()).toMatchObject({ entriesPurged: 1, chunksDeleted: expect.any(Number) as number });
    } finally {
      await uploads.stop();
    }
    expectOnlyStoredOrBusy(uploads.answers);
    expect(uploads.violations, "chunks recorded as present with their bytes gone").toEqual([]);
    await expectConsistent(chunks);
  });

  it("records no chunk without its bytes when `server purge-trash` runs beside two servers taking the same chunks", async () => {
    const urls = cluster.servers.map((s) => s.url);
    const chunks = await trashedFile(urls[1]!);
    const uploads = hammer(urls, chunks);
    let result: Awaited<ReturnType<typeof runCli>>;
    try {
      await waitFor("every chunk re-uploaded through both servers once", () => uploads.errors.length > 0 || uploads.answers.length >= 2 * CHUNKS, 60_000);
      result = await runCli(["server", "purge-trash", "--older-than-days", "0"], { SYNCAGENT_DATA_DIR: cluster.dataDir });
    } finally {
      await uploads.stop();
    }
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Purged 1 trash entr/);
    expectOnlyStoredOrBusy(uploads.answers);
    expect(uploads.violations, "chunks recorded as present with their bytes gone").toEqual([]);
    await expectConsistent(chunks);
  });

  it("records no packed chunk without its pack when server A purges while both servers take the same chunks again in batches", async () => {
    const urls = cluster.servers.map((s) => s.url);
    const chunks = await trashedFile(urls[0]!, "batch");
    const uploads = hammer(urls, chunks, "batch");
    try {
      await waitFor("every chunk re-uploaded in a batch once", () => uploads.errors.length > 0 || uploads.answers.length >= 2 * CHUNKS, 60_000);
      const purge = await adminOnA("/api/admin/purge-trash", { method: "POST", body: JSON.stringify({ olderThanDays: 0 }) });
      expect(purge.status).toBe(200);
      expect(await purge.json()).toMatchObject({ entriesPurged: 1, chunksDeleted: expect.any(Number) as number });
    } finally {
      await uploads.stop();
    }
    expectOnlyStoredOrBusy(uploads.answers);
    expect(uploads.violations, "packed chunks recorded as present with their pack gone").toEqual([]);
    await expectConsistent(chunks);
  });
});

/** Chunks per batch upload in the packed race. */
const PACKED = 8;

function groupsOf<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}

describe("a deletion racing an upload of the same chunk, steps interleaved by hand", () => {
  withTwoContexts();
  it("refuses to record an upload whose bytes a deletion removed meanwhile", async () => {
    const id = hexId();
    const owner = { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" };
    await putChunk(t.ctx, owner, id, bytes(100)); // stored once, never committed: collectable
    // Server B starts a re-upload: reads the generation, stores the bytes...
    const generation = await deletionGeneration(other.db, actor.vaultId, id);
    const key = storageKey(actor.vaultId, id);
    const stored = await other.store.put(key, bytes(100));
    // ...then server A collects the chunk entirely, deleting those bytes.
    expect(await markChunkDeleting(t.ctx, actor.vaultId, id)).toEqual({ size: 100 });
    await finishChunkDeletion(t.ctx, actor.vaultId, id);
    expect(await t.ctx.store.has(key)).toBe(false);
    // B must not record a row over bytes that are gone: the client uploads again.
    await expect(recordStoredChunk(other, owner, { id, key, size: stored.size, sha256: stored.sha256 }, generation)).rejects.toMatchObject({
      status: 503,
      code: "chunk_busy",
    });
    expect(await missingChunks(other, actor.vaultId, [id])).toEqual([id]);
    expect((await checkConsistency(t.ctx.db, t.ctx.store)).problems).toEqual([]);
    // The retry succeeds and the chunk is present again.
    await putChunk(other, owner, id, bytes(100));
    expect(await presentChunk(t.ctx, actor.vaultId, id)).not.toBeNull();
  });

  it("counts a chunk being deleted as missing and refuses uploads until the deletion ends", async () => {
    const id = hexId();
    const owner = { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" };
    await putChunk(t.ctx, owner, id, bytes(50));
    expect(await markChunkDeleting(t.ctx, actor.vaultId, id)).not.toBeNull();
    expect(await missingChunks(other, actor.vaultId, [id])).toEqual([id]);
    expect(await presentChunk(other, actor.vaultId, id)).toBeNull();
    await expect(putChunk(other, owner, id, bytes(50))).rejects.toMatchObject({ status: 503 });
    await finishChunkDeletion(t.ctx, actor.vaultId, id);
    await putChunk(other, owner, id, bytes(50));
    expect(await missingChunks(t.ctx, actor.vaultId, [id])).toEqual([]);
  });
});

describe("per-account objects", () => {
  withTwoContexts();
  it("keeps one account's bytes when another account uploads the same id", async () => {
    const second = await createTestActor(t.ctx);
    const id = hexId();
    const mine = bytes(64);
    await putChunk(t.ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" }, id, mine);
    await putChunk(t.ctx, { accountId: second.accountId, vaultId: second.vaultId, machineId: "m2" }, id, bytes(64));
    expect(storageKey(actor.vaultId, id)).not.toBe(storageKey(second.vaultId, id));
    const body = await t.ctx.store.get(storageKey(actor.vaultId, id));
    expect(Buffer.compare(new Uint8Array(await new Response(body).arrayBuffer()), mine)).toBe(0);
    expect((await checkConsistency(t.ctx.db, t.ctx.store, { deep: true })).problems).toEqual([]);
  });
});
