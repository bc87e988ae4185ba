/**
 * Single-chunk uploads over real HTTP (S6): the first
 * stored bytes of an id win, an optional digest is checked, a re-upload
 * refreshes the orphan grace period, an empty streamed body is refused, and
 * a stalled upload neither blocks other uploads of the id nor the purge.
 */
import { createHash } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withWriteTransaction } from "../../lib/server/db/tx.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { hexId } from "./helpers/context.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { "upload-timeout-ms": "1000" } });
});
afterAll(async () => server.close());

const sha256Hex = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const bytes = (n: number): Uint8Array<ArrayBuffer> => crypto.getRandomValues(new Uint8Array(n));

function put(id: string, body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  const init = { method: "PUT", body, headers: { "content-type": "application/octet-stream", ...headers }, duplex: "half" };
  return server.machineFetch(`/api/chunks/${id}`, init);
}

async function download(id: string): Promise<Uint8Array> {
  const res = await server.machineFetch(`/api/chunks/${id}`);
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

describe("first stored bytes win (S6)", () => {
  it("answers exists to an overwrite with other bytes and keeps serving the first", async () => {
    const id = hexId();
    const first = bytes(3000);
    const created = await put(id, first);
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id, size: 3000, sha256: sha256Hex(first), exists: false });
    const other = bytes(10);
    const again = await put(id, other);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ id, size: 3000, sha256: sha256Hex(first), exists: true });
    expect(await download(id)).toEqual(first);
    const head = await server.machineFetch(`/api/chunks/${id}`, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe("3000");
  });
});

describe("digest of the ciphertext (S6)", () => {
  it("refuses a body that does not match X-Content-SHA256 and stores nothing", async () => {
    const id = hexId();
    const body = bytes(500);
    const wrong = await put(id, body, { "x-content-sha256": sha256Hex(bytes(500)) });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: { code: "digest_mismatch" } });
    expect((await server.machineFetch(`/api/chunks/${id}`, { method: "HEAD" })).status).toBe(404);
    const right = await put(id, body, { "x-content-sha256": sha256Hex(body) });
    expect(right.status).toBe(201);
    expect(await download(id)).toEqual(body);
  });

  it("refuses a malformed digest header with 422", async () => {
    const res = await put(hexId(), bytes(10), { "x-content-sha256": "nothex" });
    expect(res.status).toBe(422);
  });
});

describe("orphan grace period (S5, S6)", () => {
  it("keeps an unreferenced chunk that was uploaded again, and collects one that was not", async () => {
    const [kept, dropped] = [hexId(), hexId()];
    expect((await put(kept, bytes(100))).status).toBe(201);
    expect((await put(dropped, bytes(100))).status).toBe(201);
    // Both were uploaded two days ago and never committed...
    const old = Date.now() - 2 * 86_400_000;
    await withWriteTransaction(server.ctx.db, (tx) => tx.execute({ sql: "UPDATE chunks SET uploaded_at = ?, created_at = ? WHERE id IN (?, ?)", args: [old, old, kept, dropped] }));
    // ...then a client uploads one of them again, about to commit it.
    const again = await put(kept, bytes(100));
    expect(again.status).toBe(200);
    const purge = await server.adminFetch("/api/admin/purge-trash", { method: "POST", body: JSON.stringify({}) });
    expect(purge.status).toBe(200);
    expect(await purge.json()).toMatchObject({ chunksDeleted: 1 });
    const missing = await server.machineFetch("/api/chunks/missing", { method: "POST", body: JSON.stringify({ ids: [kept, dropped] }) });
    expect(await missing.json()).toEqual({ missing: [dropped] });
  });
});

describe("hardening (S6)", () => {
  it("refuses an empty chunked body with 400 empty_body and stores nothing", async () => {
    const id = hexId();
    // Transfer-Encoding: chunked with no chunk at all: no Content-Length to refuse it by.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server.url}/api/chunks/${id}`, {
        method: "PUT",
        agent: false,
        headers: { authorization: `Bearer ${server.machine.token}`, "content-type": "application/octet-stream", "transfer-encoding": "chunked" },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "empty_body" } });
    expect((await server.machineFetch(`/api/chunks/${id}`, { method: "HEAD" })).status).toBe(404);
  });

  it("lets other uploads of the id and the purge through while one upload stalls, then times it out", async () => {
    const id = hexId();
    const connections = (): Promise<number> => server.running.connections();
    const before = await connections();
    // A client on its own connection that sends 100 bytes of a chunked body, then nothing.
    const stalledRequest = request(`${server.url}/api/chunks/${id}`, {
      method: "PUT",
      agent: false,
      headers: { authorization: `Bearer ${server.machine.token}`, "content-type": "application/octet-stream", "transfer-encoding": "chunked" },
    });
    const stalled = new Promise<number | string>((resolve) => {
      stalledRequest.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      stalledRequest.on("error", () => resolve("connection closed"));
    });
    stalledRequest.write(bytes(100));
    await waitFor("the stalled upload to reach the server", async () => (await connections()) > before);
    const body = bytes(200);
    const started = Date.now();
    const other = await put(id, body);
    expect(other.status).toBe(201);
    const purge = await server.adminFetch("/api/admin/purge-trash", { method: "POST", body: JSON.stringify({}) });
    expect(purge.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(900); // neither waited for the stalled upload's time bound
    expect(await download(id)).toEqual(body);
    // The stalled upload ends with 408 upload_timeout (or the server drops its connection).
    expect([408, "connection closed"]).toContain(await stalled);
    stalledRequest.destroy();
  });
});
