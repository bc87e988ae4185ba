/**
 * The file, chunk, trash and admin API over real HTTP (S1, S4–S9, E6): a
 * real server on 127.0.0.1, a real SQLite file, the LocalFS chunk store, a
 * machine registered through a real invitation.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { hexId } from "./helpers/context.ts";
import { encBlob as blob, nodeId, nodeItem, opId, ROOT_NODE_ID } from "./helpers/nodes.ts";
import { CHUNKS_CONTENT_TYPE, encodeFrames } from "../../lib/server/chunks/frames.ts";

let server: TestServer;
const folder = nodeId();

beforeAll(async () => {
  server = await startTestServer({ config: { "max-chunk-bytes": "4096" } });
  expect(await commit([nodeItem(folder, ROOT_NODE_ID, 0, [], "dir")])).toMatchObject([{ status: "ok" }]);
});
afterAll(async () => server.close());

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

async function putChunk(bytes: Uint8Array<ArrayBuffer>, id = hexId()): Promise<string> {
  const res = await server.machineFetch(`/api/chunks/${id}`, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: bytes,
  });
  expect(res.status).toBe(201);
  return id;
}

async function commit(items: object[]): Promise<{ status: string; code: number; version?: number; head?: { version: number } }[]> {
  const res = await server.machineFetch("/api/commits", { method: "POST", body: JSON.stringify({ items }) });
  expect(res.status).toBe(200);
  return (await json<{ results: { status: string; code: number }[] }>(res)).results;
}

function item(id: string, baseVersion: number, chunks: string[], kind = "file"): object {
  return kind === "delete"
    ? { opId: opId(), nodeId: id, baseVersion, kind, manifest: blob(), chunks }
    : { opId: opId(), nodeId: id, parentId: folder, baseVersion, kind, encName: blob(), manifest: blob(), chunks };
}

describe("health and boundaries", () => {
  it("serves the dashboard at the printed URL, its script from this server only", async () => {
    const home = await server.fetch("/");
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toMatch(/text\/html/);
    expect(home.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
    expect(await home.text()).toMatch(/<script type="module" src="\/assets\/main-[A-Z0-9]+\.js"><\/script>/);
  });

  it("answers health without auth and requires auth elsewhere", async () => {
    const health = await server.fetch("/api/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });
    expect((await server.fetch("/api/changes")).status).toBe(401);
    expect((await server.fetch(`/api/chunks/${hexId()}`, { method: "PUT", body: "x" })).status).toBe(401);
  });

  it("answers malformed JSON 400, bad ids 422, unknown ids and routes 404", async () => {
    const bad = await server.machineFetch("/api/commits", { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect((await json<{ error: { code: string } }>(bad)).error.code).toBe("invalid_json");
    const badId = await server.machineFetch("/api/commits", { method: "POST", body: JSON.stringify({ items: [item("ABC", 0, [])] }) });
    expect(badId.status).toBe(422);
    expect((await json<{ error: { message: string } }>(badId)).error.message).toMatch(/items\.0\.nodeId: must be 32 lowercase hex/);
    expect((await server.machineFetch("/api/chunks/xyz")).status).toBe(422);
    expect((await server.machineFetch(`/api/chunks/${hexId()}`)).status).toBe(404);
    expect((await server.machineFetch(`/api/chunks/${hexId()}`, { method: "HEAD" })).status).toBe(404);
    expect((await server.machineFetch(`/api/files/${nodeId()}/versions`)).status).toBe(404);
    expect((await server.machineFetch("/api/nothing-here")).status).toBe(404);
    expect((await server.machineFetch("/api/changes?since=-1")).status).toBe(422);
  });

  it("refuses chunks over the limit with 413, declared or streamed", async () => {
    const declared = await server.machineFetch(`/api/chunks/${hexId()}`, { method: "PUT", body: new Uint8Array(5000) });
    expect(declared.status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(1000));
        controller.close();
      },
    });
    const id = hexId();
    const streamed = await server.machineFetch(`/api/chunks/${id}`, { method: "PUT", body: stream, duplex: "half" } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await server.machineFetch(`/api/chunks/${id}`, { method: "HEAD" })).status).toBe(404);
  });

  it("answers a cursor ahead of the log with 410 cursor_ahead (resync)", async () => {
    const ahead = await server.machineFetch("/api/changes?since=999999999");
    expect(ahead.status).toBe(410);
    expect(await ahead.json()).toMatchObject({ error: { code: "cursor_ahead" } });
    expect((await server.machineFetch("/api/changes?since=0")).status).toBe(200);
  });

  it("refuses an empty chunk with 400 and stores nothing", async () => {
    const id = hexId();
    const empty = await server.machineFetch(`/api/chunks/${id}`, { method: "PUT", body: new Uint8Array(0) });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: { code: "empty_body" } });
    expect((await server.machineFetch(`/api/chunks/${id}`, { method: "HEAD" })).status).toBe(404);
  });
});

describe("chunks", () => {
  it("stores, reports and returns a chunk byte for byte", async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(3000));
    const id = await putChunk(bytes);
    const head = await server.machineFetch(`/api/chunks/${id}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("3000");
    const got = await server.machineFetch(`/api/chunks/${id}`);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
    const absent = hexId();
    const missing = await server.machineFetch("/api/chunks/missing", { method: "POST", body: JSON.stringify({ ids: [id, absent, absent] }) });
    expect(await missing.json()).toEqual({ missing: [absent] });
  });

  it("uploads several small chunks in one request", async () => {
    const chunks = [hexId(), hexId(), hexId()].map((id) => ({ id, sha256: null, bytes: crypto.getRandomValues(new Uint8Array(200)) }));
    const res = await server.machineFetch("/api/chunks/batch", {
      method: "POST",
      headers: { "content-type": CHUNKS_CONTENT_TYPE },
      body: encodeFrames(chunks) as Uint8Array<ArrayBuffer>,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { results: { status: string }[] }).results.map((r) => r.status)).toEqual(["stored", "stored", "stored"]);
    const missing = await server.machineFetch("/api/chunks/missing", { method: "POST", body: JSON.stringify({ ids: chunks.map((c) => c.id) }) });
    expect(await missing.json()).toEqual({ missing: [] });
  });
});

describe("commits, changes, versions, trash", () => {
  it("commits many items with their own results, then pages changes and snapshot", async () => {
    const c1 = await putChunk(new Uint8Array(100));
    const [a, b] = [nodeId(), nodeId()];
    const absent = hexId();
    const results = await commit([item(a, 0, [c1]), item(b, 0, [absent]), item(nodeId(), 0, [], "dir")]);
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ["ok", 201],
      ["missing_chunks", 424],
      ["ok", 201],
    ]);
    const stale = await commit([item(a, 0, [c1])]);
    expect(stale[0]).toMatchObject({ status: "conflict", code: 409, head: { version: 1 } });
    const changes = await json<{ changes: { seq: number; payload: { nodeId: string } }[]; next: number; hasMore: boolean }>(
      await server.machineFetch("/api/changes?since=0&limit=1"),
    );
    expect(changes.hasMore).toBe(true);
    expect(changes.changes).toHaveLength(1);
    const snapshot = await json<{ items: { nodeId: string }[]; cursor: number }>(await server.machineFetch("/api/snapshot"));
    expect(snapshot.items.map((i) => i.nodeId)).toContain(a);
    const tree = await json<{ items: { nodeId: string }[] }>(await server.machineFetch(`/api/tree?parentId=${folder}`));
    expect(tree.items.map((i) => i.nodeId)).toContain(a);
  });

  it("deletes to the trash and restores under another name beside an occupant; restores an old version", async () => {
    const c = await putChunk(new Uint8Array(64));
    const path = nodeId();
    const first = item(path, 0, [c]) as { encName: string };
    await commit([first]);
    await commit([item(path, 1, [], "delete")]);
    const trash = await json<{ items: { nodeId: string; deletedVersion: number; restoresTo: string }[] }>(await server.machineFetch("/api/trash"));
    expect(trash.items).toContainEqual(expect.objectContaining({ nodeId: path, deletedVersion: 2, restoresTo: "original" }));
    const occupant = nodeId();
    expect(await commit([{ ...item(occupant, 0, [c]), encName: first.encName }])).toMatchObject([{ status: "ok" }]);
    const altName = blob();
    const restore = await server.machineFetch("/api/trash/restore", {
      method: "POST",
      body: JSON.stringify({
        opId: opId(),
        nodeId: path,
        deletedVersion: 2,
        chunks: [c],
        original: { manifest: blob() },
        alternative: { encName: altName, manifest: blob() },
      }),
    });
    expect(restore.status).toBe(201);
    expect(await restore.json()).toMatchObject({ used: "alternative", result: { nodeId: path, version: 3 } });
    const back = await server.machineFetch(`/api/files/${path}/restore`, {
      method: "POST",
      body: JSON.stringify({ opId: opId(), version: 1, baseVersion: 3, manifest: blob(), chunks: [c] }),
    });
    expect(back.status).toBe(201);
    const stale = await server.machineFetch(`/api/files/${path}/restore`, {
      method: "POST",
      body: JSON.stringify({ opId: opId(), version: 1, baseVersion: 3, manifest: blob(), chunks: [c] }),
    });
    expect(stale.status).toBe(409);
    const versions = await json<{ versions: { version: number; kind: string }[] }>(await server.machineFetch(`/api/files/${path}/versions`));
    expect(versions.versions.map((v) => [v.version, v.kind])).toEqual([
      [4, "file"],
      [3, "file"],
      [2, "delete"],
      [1, "file"],
    ]);
    const withDeleted = await json<{ items: { nodeId: string; kind: string; encName: string }[] }>(
      await server.machineFetch(`/api/tree?parentId=${folder}&includeDeleted=true`),
    );
    expect(withDeleted.items.find((i) => i.nodeId === path)).toMatchObject({ kind: "file", encName: altName });
    const stats = await json<{ machines: { machineId: string; versionsCommitted: number }[] }>(await server.machineFetch("/api/stats"));
    expect(stats.machines.find((m) => m.machineId === server.machine.machineId)?.versionsCommitted).toBeGreaterThan(3);
  });
});

describe("admin", () => {
  it("refuses machine tokens, requires re-authentication, then purges and reports metrics", async () => {
    expect((await server.machineFetch("/api/admin/purge-trash", { method: "POST", body: "{}" })).status).toBe(403);
    expect((await server.machineFetch("/api/admin/metrics")).status).toBe(403);
    server.clock.advance(6 * 60_000); // past the re-authentication window of the setup login
    expect((await server.adminFetch("/api/admin/purge-trash", { method: "POST", body: "{}" })).status).toBe(403);
    const reauth = await server.adminFetch("/api/auth/reauth", { method: "POST", body: JSON.stringify({ password: server.password }) });
    expect(reauth.status).toBe(200);
    const doomed = nodeId();
    await commit([item(doomed, 0, [await putChunk(crypto.getRandomValues(new Uint8Array(64)))])]);
    await commit([item(doomed, 1, [], "delete")]);
    const purge = await server.adminFetch("/api/admin/purge-trash", {
      method: "POST",
      headers: { "x-request-id": "req-purge-1" },
      body: JSON.stringify({ olderThanDays: 0 }),
    });
    expect(purge.status).toBe(200);
    expect(await purge.json()).toMatchObject({ entriesPurged: expect.any(Number) as number });
    // The purge events name the admin who asked and the request (E1).
    const purged = await server.ctx.db.execute({
      sql: "SELECT meta FROM events WHERE type = 'TrashPurged' AND payload LIKE ?",
      args: [`%${doomed}%`],
    });
    expect(purged.rows.length).toBe(1);
    expect(JSON.parse(purged.rows[0]?.meta as string)).toMatchObject({ actor: `user:${server.admin.userId}`, correlationId: "req-purge-1" });
    const rebuild = await server.adminFetch("/api/admin/rebuild-projections", { method: "POST" });
    expect(rebuild.status).toBe(200);
    expect(await rebuild.json()).toMatchObject({ deadLettered: 0, eventsApplied: expect.any(Number) as number });
    const letters = await server.adminFetch("/api/admin/dead-letters");
    expect(await letters.json()).toEqual({ items: [] });
    expect((await server.machineFetch("/api/admin/dead-letters")).status).toBe(403);
    const metrics = await json<{ commands: Record<string, { count: number; p99Ms: number }> }>(await server.adminFetch("/api/admin/metrics"));
    expect(metrics.commands.commit?.count).toBeGreaterThan(0);
    expect(metrics.commands.purge?.count).toBe(1);
  });
});

describe("logs (S9)", () => {
  it("writes request ids and no secrets to the log file", async () => {
    const secretPassword = "hunter2-very-secret-password";
    await server.fetch("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.origin, cookie: "session=cookie-secret-value" },
      body: JSON.stringify({ username: "admin", password: secretPassword }),
    });
    const res = await server.machineFetch("/api/changes?token=query-secret-value", { headers: { "x-request-id": "req-log-test-1" } });
    expect(res.headers.get("x-request-id")).toBe("req-log-test-1");
    const log = await waitFor("the request id in the log file", async () => {
      const text = await readFile(server.logFile, "utf8").catch(() => "");
      return text.includes("req-log-test-1") ? text : null;
    });
    expect(log).toContain("req-log-test-1");
    for (const secret of [server.machine.token, secretPassword, "cookie-secret-value", "query-secret-value", server.admin.cookie.split("=")[1] ?? "x"]) {
      expect(log).not.toContain(secret);
    }
  });
});
