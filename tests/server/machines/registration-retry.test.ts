/**
 * Retry-safe registration (S3, A1): a client whose answer to
 * `POST /api/machines/register` was lost sends the same invitation and opId
 * again and gets the same machine, with a new token (the first one stops
 * working); another opId still gets 409 `invitation_used`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { str } from "../../../lib/db/row.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function invite(): Promise<{ id: string; code: string }> {
  const res = await server.adminFetch("/api/invitations", { method: "POST" });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; code: string };
}

function register(code: string, opId: string | undefined, name = "desktop"): Promise<Response> {
  return server.fetch("/api/machines/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ invitation: code, name, platform: "linux", ...(opId ? { opId } : {}) }),
  });
}

type Registered = { machineId: string; token: string; vaultId: string };

describe("retry-safe registration", () => {
  it("answers a retry with the same opId with the same machine and a new token; the first token stops working", async () => {
    const inv = await invite();
    const first = await register(inv.code, "op-registration-0001");
    expect(first.status).toBe(201);
    const a = (await first.json()) as Registered;
    const retry = await register(inv.code, "op-registration-0001");
    expect(retry.status).toBe(200);
    expect(retry.headers.get("cache-control")).toBe("no-store");
    const b = (await retry.json()) as Registered;
    expect(b.machineId).toBe(a.machineId);
    expect(b.vaultId).toBe(a.vaultId);
    expect(b.token).not.toBe(a.token);
    expect((await server.machineFetch(`/api/machines/${a.machineId}/status`, {}, a.token)).status).toBe(401);
    expect((await server.machineFetch(`/api/machines/${a.machineId}/status`, {}, b.token)).status).toBe(200);
    const machines = await server.ctx.db.execute({ sql: "SELECT count(*) AS n FROM machines WHERE id = ?", args: [a.machineId] });
    expect(Number(machines.rows[0]?.n)).toBe(1);
    const events = await server.ctx.db.execute({ sql: "SELECT type, payload FROM events WHERE stream = ? ORDER BY seq", args: [`machine:${a.machineId}`] });
    expect(events.rows.map((r) => str(r.type))).toEqual(["MachineRegistered", "MachineTokenReissued"]);
    expect(JSON.stringify(events.rows)).not.toContain(b.token);
  });

  it("refuses another opId, or none, with 409 invitation_used", async () => {
    const inv = await invite();
    expect((await register(inv.code, "op-registration-0002")).status).toBe(201);
    for (const other of ["op-registration-9999", undefined]) {
      const res = await register(inv.code, other, "intruder");
      expect(res.status).toBe(409);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invitation_used");
    }
  });

  it("answers no retry once the invitation's validity has passed, nor for a removed machine", async () => {
    const expiring = await invite();
    expect((await register(expiring.code, "op-registration-0003")).status).toBe(201);
    server.clock.advance(24 * 3_600_000 + 1);
    expect((await register(expiring.code, "op-registration-0003")).status).toBe(409);
    server.admin = await server.login(); // the clock jump ended the session too
    const removed = await invite();
    const res = await register(removed.code, "op-registration-0004");
    const machine = (await res.json()) as Registered;
    expect((await server.adminFetch(`/api/machines/${machine.machineId}`, { method: "DELETE" })).status).toBe(204);
    expect((await register(removed.code, "op-registration-0004")).status).toBe(409);
  });

  it("refuses a malformed opId with 422", async () => {
    const inv = await invite();
    for (const opId of ["short", "x".repeat(65), "has space in it!!"]) expect((await register(inv.code, opId)).status).toBe(422);
    expect((await register(inv.code, "op-registration-0005")).status).toBe(201);
  });
});
