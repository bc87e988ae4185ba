/**
 * Invitations: admin-only creation, listing and revocation; single use;
 * 24 h expiry; hashed at rest; atomic redemption (S3, W5), raced across
 * three real server processes on one database (DESIGN §2: 20 parallel
 * redemptions, exactly one succeeds).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { str } from "../../../lib/db/row.ts";
import { adminFetch, race, setUpAdmin, startCluster, type Cluster, type ClusterAdmin } from "../helpers/cluster.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function invite(): Promise<{ id: string; code: string; expiresAt: number }> {
  const res = await server.adminFetch("/api/invitations", { method: "POST" });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; code: string; expiresAt: number };
}

function register(code: string, name = "desktop"): Promise<Response> {
  return server.fetch("/api/machines/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ invitation: code, name, platform: "linux" }),
  });
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

describe("invitations (S3, W5)", () => {
  it("creates an invitation valid 24 h and lists it without its code", async () => {
    const before = server.clock.now();
    const inv = await invite();
    expect(inv.code).toMatch(/^sai_[A-Za-z0-9_-]{43}$/);
    expect(inv.expiresAt - before).toBeGreaterThanOrEqual(24 * 3_600_000 - 1000);
    expect(inv.expiresAt - before).toBeLessThanOrEqual(24 * 3_600_000 + 1000);
    const list = (await (await server.adminFetch("/api/invitations")).json()) as { invitations: Record<string, unknown>[] };
    const listed = list.invitations.find((i) => i.id === inv.id);
    expect(listed).toMatchObject({ state: "pending" });
    expect(JSON.stringify(list)).not.toContain(inv.code);
  });

  it("is admin only: 401 without credentials, 403 for a machine token", async () => {
    expect((await server.fetch("/api/invitations", { method: "POST" })).status).toBe(401);
    expect((await server.fetch("/api/invitations")).status).toBe(401);
    const byMachine = await server.machineFetch("/api/invitations", { method: "POST" });
    expect(byMachine.status).toBe(403);
    expect(await errorCode(byMachine)).toBe("machine_forbidden");
    expect((await server.machineFetch("/api/invitations")).status).toBe(403);
  });

  it("is single use: a second registration gets 409", async () => {
    const inv = await invite();
    expect((await register(inv.code)).status).toBe(201);
    const again = await register(inv.code, "other");
    expect(again.status).toBe(409);
    expect(await errorCode(again)).toBe("invitation_used");
  });

  it("expires after 24 hours (410)", async () => {
    const inv = await invite();
    server.clock.advance(24 * 3_600_000 + 1);
    const res = await register(inv.code);
    expect(res.status).toBe(410);
    expect(await errorCode(res)).toBe("invitation_expired");
    server.admin = await server.login(); // the 12 h session ended too
    const list = (await (await server.adminFetch("/api/invitations")).json()) as { invitations: { id: string; state: string }[] };
    expect(list.invitations.find((i) => i.id === inv.id)?.state).toBe("expired");
  });

  it("can be revoked (204, then 410 on use, 404 on a second revoke)", async () => {
    const inv = await invite();
    expect((await server.adminFetch(`/api/invitations/${inv.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await register(inv.code)).status).toBe(410);
    expect((await server.adminFetch(`/api/invitations/${inv.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("refuses an unknown code (404), malformed JSON (400) and a missing name (422)", async () => {
    expect((await register("sai_" + "A".repeat(43))).status).toBe(404);
    const bad = await server.fetch("/api/machines/register", { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(bad.status).toBe(400);
    const inv = await invite();
    const noName = await server.fetch("/api/machines/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ invitation: inv.code, platform: "linux" }),
    });
    expect(noName.status).toBe(422);
    expect((await register(inv.code)).status).toBe(201);
  });

  it("keeps only a SHA-256 of the code at rest and records the facts as events", async () => {
    const inv = await invite();
    expect((await register(inv.code, "hashed")).status).toBe(201);
    const row = await server.ctx.db.execute({ sql: "SELECT code_hash FROM invitations WHERE id = ?", args: [inv.id] });
    expect(str(row.rows[0]?.code_hash)).toMatch(/^[0-9a-f]{64}$/);
    await server.ctx.db.execute("PRAGMA wal_checkpoint(FULL)");
    const files = [join(server.dataDir, "syncagent.db"), join(server.dataDir, "syncagent.db-wal")];
    for (const file of files) {
      const bytes = await readFile(file).catch(() => Buffer.alloc(0));
      expect(bytes.includes(Buffer.from(inv.code))).toBe(false);
    }
    const types = await server.ctx.db.execute({
      sql: "SELECT type, payload FROM events WHERE stream = ? ORDER BY seq",
      args: [`invitation:${inv.id}`],
    });
    expect(types.rows.map((r) => str(r.type))).toEqual(["InvitationCreated", "InvitationRedeemed"]);
    expect(JSON.stringify(types.rows)).not.toContain(inv.code);
  });
});

describe("redemption raced across three server processes on one database (S3)", () => {
  const ROUNDS = 8;
  const RACERS = 20;
  let cluster: Cluster;
  let admin: ClusterAdmin;
  beforeAll(async () => {
    cluster = await startCluster(3);
    admin = await setUpAdmin(cluster.servers[0]!.url);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it(`lets exactly one of ${RACERS} parallel redemptions succeed, ${ROUNDS} invitations in a row`, async () => {
    const ids: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const created = await adminFetch(cluster.servers[round % 3]!.url, admin, "/api/invitations", { method: "POST" });
      expect(created.status).toBe(201);
      const inv = (await created.json()) as { id: string; code: string };
      ids.push(inv.id);
      const results = await race(cluster.servers, RACERS, (url, i) =>
        fetch(`${url}/api/machines/register`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ invitation: inv.code, name: `racer-${round}-${i}`, platform: "linux" }),
        }),
      );
      const codes = await Promise.all(results.map(async (r) => (r.status === 201 ? "created" : await errorCode(r))));
      expect(codes.filter((c) => c === "created"), `round ${round}: ${codes.join(", ")}`).toHaveLength(1);
      expect(codes.filter((c) => c === "invitation_used"), `round ${round}`).toHaveLength(RACERS - 1);
    }
    const db = await cluster.openDb();
    try {
      const tokens = await db.execute("SELECT count(*) AS n FROM machine_tokens");
      expect(Number(tokens.rows[0]?.n)).toBe(ROUNDS);
      const registered = await db.execute("SELECT count(*) AS n FROM machine_registry WHERE name LIKE 'racer-%'");
      expect(Number(registered.rows[0]?.n)).toBe(ROUNDS);
      for (const id of ids) {
        const redeemed = await db.execute({
          sql: "SELECT count(*) AS n FROM events WHERE type = 'InvitationRedeemed' AND json_extract(payload, '$.invitationId') = ?",
          args: [id],
        });
        expect(Number(redeemed.rows[0]?.n), `invitation ${id}`).toBe(1);
      }
    } finally {
      db.close();
    }
  });
});
