/**
 * The wrapped master key blob: opaque, bounded, versioned (DESIGN §2 rule 1).
 * Each test gets its own server and uploads what it needs, so each runs alone.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

const blob = (bytes: number): string => Buffer.alloc(bytes, 7).toString("base64");

/** Uploads `count` blobs as the machine, versions 1 to `count`. */
async function uploadVersions(count: number): Promise<void> {
  for (let version = 0; version < count; version++) {
    const res = await server.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: blob(100 + version), version }) });
    expect(res.status).toBe(200);
  }
}

describe("PUT/GET /api/vault/key", () => {
  it("is 404 before the first upload and 401 without credentials", async () => {
    expect((await server.machineFetch("/api/vault/key")).status).toBe(404);
    expect((await server.fetch("/api/vault/key")).status).toBe(401);
  });

  it("stores the blob with optimistic versions and refuses a stale one with 409", async () => {
    const first = await server.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: blob(200), version: 0 }) });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ version: 1 });
    const stale = await server.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: blob(201), version: 0 }) });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: { current: number } }).error.current).toBe(1);
    const byBrowser = await server.adminFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: blob(202), version: 1 }) });
    expect(byBrowser.status).toBe(200);
    const got = (await (await server.adminFetch("/api/vault/key")).json()) as { blob: string; version: number };
    expect(got).toMatchObject({ blob: blob(202), version: 2 });
    const fromMachine = (await (await server.machineFetch("/api/vault/key")).json()) as { blob: string };
    expect(fromMachine.blob).toBe(blob(202));
  });

  it("refuses more than 16 KiB (413), non-base64 (422), malformed JSON (400), no CSRF (403)", async () => {
    await uploadVersions(2);
    const big = await server.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: blob(16 * 1024 + 1), version: 2 }) });
    expect(big.status).toBe(413);
    const huge = await server.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: blob(64 * 1024), version: 2 }) });
    expect(huge.status).toBe(413);
    expect((await server.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: "not base64!", version: 2 }) })).status).toBe(422);
    expect((await server.machineFetch("/api/vault/key", { method: "PUT", body: "{" })).status).toBe(400);
    const noCsrf = await server.adminFetch("/api/vault/key", { method: "PUT", headers: { "x-csrf-token": "" }, body: JSON.stringify({ blob: blob(10), version: 2 }) });
    expect(noCsrf.status).toBe(403);
    const max = await server.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: blob(16 * 1024), version: 2 }) });
    expect(max.status).toBe(200);
  });

  it("records VaultKeyUpdated without the blob", async () => {
    await uploadVersions(2);
    const last = await server.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: blob(200), version: 2 }) });
    expect(last.status).toBe(200);
    const rows = await server.ctx.db.execute("SELECT payload FROM events WHERE type = 'VaultKeyUpdated' ORDER BY seq");
    expect(rows.rows.length).toBe(3);
    expect(JSON.stringify(rows.rows)).not.toContain(blob(200).slice(0, 40));
  });
});
