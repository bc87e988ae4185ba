/**
 * Machines: tokens hashed and checked, listing with status, rename,
 * removal with re-authentication, machine tokens refused for admin
 * actions, revoked tokens refused at once, no secret in the log
 * (S3, S10, S11, C8).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { str } from "../../../lib/db/row.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ web: { reauthWindowMs: 60_000 } });
});
afterAll(async () => {
  await server.close();
});

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

describe("machine tokens (S3)", () => {
  it("gives a 256-bit token stored only as SHA-256", async () => {
    expect(server.machine.token).toMatch(/^sam_[A-Za-z0-9_-]{43}$/);
    const row = await server.ctx.db.execute({ sql: "SELECT token_hash FROM machines WHERE id = ?", args: [server.machine.machineId] });
    expect(str(row.rows[0]?.token_hash)).toMatch(/^[0-9a-f]{64}$/);
    await server.ctx.db.execute("PRAGMA wal_checkpoint(FULL)");
    for (const file of ["syncagent.db", "syncagent.db-wal"]) {
      const bytes = await readFile(join(server.dataDir, file)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(Buffer.from(server.machine.token))).toBe(false);
    }
  });

  it("refuses a wrong, malformed or missing token with 401", async () => {
    const wrong = server.machine.token.slice(0, -2) + (server.machine.token.endsWith("AA") ? "BB" : "AA");
    for (const token of [wrong, "garbage", "sam_short"]) {
      expect((await server.machineFetch(`/api/machines/${server.machine.machineId}/status`, {}, token)).status).toBe(401);
    }
    const empty = await server.fetch(`/api/machines/${server.machine.machineId}/status`, { headers: { authorization: "Bearer " } });
    expect(empty.status).toBe(401);
    expect((await server.fetch(`/api/machines/${server.machine.machineId}/status`)).status).toBe(401);
  });
});

describe("machine routes (S10, S11, W4)", () => {
  it("lists machines with their status for the browser, not for machines", async () => {
    const res = await server.adminFetch("/api/machines");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { machines: { id: string; name: string; status: { state: string } }[] };
    expect(body.machines[0]).toMatchObject({ id: server.machine.machineId, name: "laptop", status: { state: "offline", lastSyncedAt: null } }); // it never reported: not "up to date"
    expect((await server.machineFetch("/api/machines")).status).toBe(403);
  });

  it("serves the polling status to the machine and the browser, 404 for an unknown id", async () => {
    for (const res of [
      await server.machineFetch(`/api/machines/${server.machine.machineId}/status`),
      await server.adminFetch(`/api/machines/${server.machine.machineId}/status`),
    ]) {
      expect(res.status).toBe(200);
      const status = (await res.json()) as Record<string, unknown>;
      expect(status).toMatchObject({ machineId: server.machine.machineId, state: "offline", speedBps: 0, filesSynced: 0, lastSyncedAt: null });
      expect(typeof status.lastSeenAt).toBe("number");
    }
    expect((await server.adminFetch("/api/machines/unknown/status")).status).toBe(404);
  });

  it("renames a machine (browser or the machine itself), 422 on an empty name", async () => {
    const id = server.machine.machineId;
    const res = await server.adminFetch(`/api/machines/${id}`, { method: "PATCH", body: JSON.stringify({ name: "work laptop" }) });
    expect(res.status).toBe(200);
    const self = await server.machineFetch(`/api/machines/${id}`, { method: "PATCH", body: JSON.stringify({ name: "my laptop" }) });
    expect(self.status).toBe(200);
    expect((await server.adminFetch(`/api/machines/${id}`, { method: "PATCH", body: JSON.stringify({ name: "" }) })).status).toBe(422);
    const other = await server.registerMachine("desktop");
    const cross = await server.machineFetch(`/api/machines/${other.machineId}`, { method: "PATCH", body: JSON.stringify({ name: "x" }) }, server.machine.token);
    expect(cross.status).toBe(403);
    const events = await server.ctx.db.execute({ sql: "SELECT count(*) AS n FROM events WHERE stream = ? AND type = 'MachineRenamed'", args: [`machine:${id}`] });
    expect(Number(events.rows[0]?.n)).toBe(2);
  });
});

describe("removing a machine (S10, C8)", () => {
  it("refuses machine tokens (403), including removing itself", async () => {
    const victim = await server.registerMachine("victim");
    const res = await server.machineFetch(`/api/machines/${victim.machineId}`, { method: "DELETE" }, server.machine.token);
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("machine_forbidden");
    expect((await server.machineFetch(`/api/machines/${victim.machineId}`, { method: "DELETE" }, victim.token)).status).toBe(403);
  });

  it("requires a recent password re-entry in the browser", async () => {
    const victim = await server.registerMachine("to-remove");
    server.clock.advance(61_000);
    const stale = await server.adminFetch(`/api/machines/${victim.machineId}`, { method: "DELETE" });
    expect(stale.status).toBe(403);
    expect(await errorCode(stale)).toBe("reauth_required");
    const wrong = await server.adminFetch("/api/auth/reauth", { method: "POST", body: JSON.stringify({ password: "not the password" }) });
    expect(wrong.status).toBe(401);
    server.clock.advance(1_000); // a wrong password costs a 1 s wait before the next attempt
    const noCsrf = await server.adminFetch("/api/auth/reauth", { method: "POST", headers: { "x-csrf-token": "" }, body: JSON.stringify({ password: server.password }) });
    expect(noCsrf.status).toBe(403);
    const ok = await server.adminFetch("/api/auth/reauth", { method: "POST", body: JSON.stringify({ password: server.password }) });
    expect(ok.status).toBe(200);
    expect((await server.adminFetch(`/api/machines/${victim.machineId}`, { method: "DELETE" })).status).toBe(204);
  });

  it("revokes the token at once and records MachineRemoved; a second removal is 404", async () => {
    const victim = await server.registerMachine("revoked");
    expect((await server.machineFetch("/api/vault/key", {}, victim.token)).status).not.toBe(401);
    await server.adminFetch("/api/auth/reauth", { method: "POST", body: JSON.stringify({ password: server.password }) });
    expect((await server.adminFetch(`/api/machines/${victim.machineId}`, { method: "DELETE" })).status).toBe(204);
    const after = await server.machineFetch("/api/vault/key", {}, victim.token);
    expect(after.status).toBe(401);
    expect((await server.adminFetch(`/api/machines/${victim.machineId}`, { method: "DELETE" })).status).toBe(404);
    const list = (await (await server.adminFetch("/api/machines")).json()) as { machines: { id: string }[] };
    expect(list.machines.map((m) => m.id)).not.toContain(victim.machineId);
    const events = await server.ctx.db.execute({ sql: "SELECT type FROM events WHERE stream = ? ORDER BY seq", args: [`machine:${victim.machineId}`] });
    expect(events.rows.map((r) => str(r.type))).toEqual(["MachineRegistered", "MachineRemoved"]);
  });
});

describe("the log file", () => {
  it("holds no token, invitation code, session id, CSRF token or password", async () => {
    const inv = (await (await server.adminFetch("/api/invitations", { method: "POST" })).json()) as { code: string };
    await server.fetch("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "a wrong password" }),
    });
    await new Promise<void>((resolve) => server.ctx.logger.flush(() => resolve()));
    const log = await readFile(server.logFile, "utf8");
    expect(log.length).toBeGreaterThan(0);
    const secrets = [server.machine.token, inv.code, server.admin.cookie.split("=")[1] ?? "x", server.admin.csrfToken, server.password, "a wrong password"];
    for (const secret of secrets) expect(log).not.toContain(secret);
  });
});

describe("more failure paths", () => {
  it("answers 404 to renaming an unknown machine, 400 to malformed JSON", async () => {
    expect((await server.adminFetch("/api/machines/nope", { method: "PATCH", body: JSON.stringify({ name: "x" }) })).status).toBe(404);
    expect((await server.adminFetch(`/api/machines/${server.machine.machineId}`, { method: "PATCH", body: "{" })).status).toBe(400);
  });

  it("refuses browser-only routes to machines (403) and everything to nobody (401)", async () => {
    expect((await server.machineFetch("/api/auth/session")).status).toBe(403);
    expect((await server.machineFetch("/api/auth/reauth", { method: "POST", body: JSON.stringify({ password: "x" }) })).status).toBe(403);
    expect((await server.machineFetch("/api/invitations/some-id", { method: "DELETE" })).status).toBe(403);
    for (const [method, path] of [
      ["GET", "/api/machines"],
      ["GET", "/api/auth/session"],
      ["PATCH", `/api/machines/${server.machine.machineId}`],
      ["DELETE", `/api/machines/${server.machine.machineId}`],
      ["PUT", "/api/vault/key"],
    ] as const) {
      expect((await server.fetch(path, { method })).status).toBe(401);
    }
  });

  it("shows a machine unheard of for two minutes as offline", async () => {
    const quiet = await server.registerMachine("quiet");
    server.clock.advance(3 * 60_000);
    const status = (await (await server.adminFetch(`/api/machines/${quiet.machineId}/status`)).json()) as { state: string };
    expect(status.state).toBe("offline");
  });
});
