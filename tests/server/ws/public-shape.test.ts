/**
 * `/ws/changes` pushes events in the public shape of `GET /api/changes`:
 * no request id, account id, vault id or stream version (A13, S7, E1).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { connect, machineHeaders } from "./client.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("/ws/changes notifications", () => {
  it("carry no requestId, accountId or vaultId, and match what GET /api/changes serves", async () => {
    const socket = await connect(server, "/ws/changes", { headers: machineHeaders(server.machine.token) });
    try {
      const hello = await socket.waitFor((m) => m.type === "hello");
      const res = await server.adminFetch("/api/invitations", { method: "POST", headers: { "x-request-id": "req-ws-shape-1" } });
      expect(res.status).toBe(201);
      const pushed = await socket.waitFor((m) => m.type === "changes");
      const events = pushed.events as Record<string, unknown>[];
      const created = events.find((e) => e.type === "InvitationCreated");
      expect(created).toBeDefined();
      expect(JSON.stringify(pushed)).not.toContain("requestId");
      for (const event of events) {
        expect(Object.keys(event).sort()).toEqual(["id", "machineId", "meta", "opId", "payload", "seq", "stream", "ts", "type", "version"]);
        expect(event.meta).not.toHaveProperty("requestId");
      }
      expect(created?.meta).toMatchObject({ correlationId: "req-ws-shape-1" });
      const changes = (await (await server.machineFetch(`/api/changes?since=${String(hello.cursor)}`)).json()) as { changes: unknown[] };
      expect(changes.changes).toContainEqual(created);
    } finally {
      socket.close();
    }
  });
});
