/**
 * Event metadata (E1): every event an HTTP request appends carries the
 * request's X-Request-Id as its correlation id; an event caused by another
 * names it as its causation id.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventMeta } from "../../../lib/events/envelope.ts";
import { str } from "../../../lib/db/row.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function eventsOf(stream: string): Promise<{ id: string; type: string; meta: EventMeta }[]> {
  const rows = await server.ctx.db.execute({ sql: "SELECT id, type, meta FROM events WHERE stream = ? ORDER BY seq", args: [stream] });
  return rows.rows.map((r) => ({ id: str(r.id), type: str(r.type), meta: JSON.parse(str(r.meta)) as EventMeta }));
}

describe("auth event metadata (E1)", () => {
  it("carries the request's X-Request-Id as correlationId on every event the request appends", async () => {
    const inv = await server.adminFetch("/api/invitations", { method: "POST", headers: { "x-request-id": "req-invite-1" } });
    expect(inv.status).toBe(201);
    const { code, id: invitationId } = (await inv.json()) as { code: string; id: string };
    const created = await eventsOf(`invitation:${invitationId}`);
    expect(created[0]?.meta).toMatchObject({ correlationId: "req-invite-1", requestId: "req-invite-1" });

    const reg = await server.fetch("/api/machines/register", {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "req-register-1" },
      body: JSON.stringify({ invitation: code, name: "tablet", platform: "linux" }),
    });
    expect(reg.status).toBe(201);
    const { machineId } = (await reg.json()) as { machineId: string };
    const redeemed = (await eventsOf(`invitation:${invitationId}`)).find((e) => e.type === "InvitationRedeemed");
    const [registered] = await eventsOf(`machine:${machineId}`);
    expect(redeemed?.meta).toMatchObject({ correlationId: "req-register-1", causationId: "req-register-1" });
    expect(registered?.type).toBe("MachineRegistered");
    expect(registered?.meta).toMatchObject({ correlationId: "req-register-1", causationId: redeemed?.id });

    const renamed = await server.adminFetch(`/api/machines/${machineId}`, {
      method: "PATCH",
      headers: { "x-request-id": "req-rename-1" },
      body: JSON.stringify({ name: "kitchen tablet" }),
    });
    expect(renamed.status).toBe(200);
    const rename = (await eventsOf(`machine:${machineId}`)).find((e) => e.type === "MachineRenamed");
    expect(rename?.meta).toMatchObject({ correlationId: "req-rename-1", requestId: "req-rename-1" });
  });

  it("gives the setup wizard's AdminCreated its request's correlationId", async () => {
    const fresh = await startTestServer({ setup: false });
    try {
      const res = await fresh.fetch("/api/setup", {
        method: "POST",
        headers: { "content-type": "application/json", origin: fresh.origin, "x-request-id": "req-setup-1" },
        body: JSON.stringify({ username: "admin", password: "correct horse battery staple" }),
      });
      expect(res.status).toBe(201);
      const rows = await fresh.ctx.db.execute("SELECT meta FROM events WHERE type = 'AdminCreated'");
      expect(JSON.parse(str(rows.rows[0]?.meta))).toMatchObject({ correlationId: "req-setup-1", actor: "system" });
    } finally {
      await fresh.close();
    }
  });
});
