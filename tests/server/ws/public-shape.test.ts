/**
 * `/ws/changes` pushes events in the public shape of `GET /api/changes`:
 * no request id, account id, vault id or stream version (A13, S7, E1).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { nodeId, nodeItem, ROOT_NODE_ID } from "../helpers/nodes.ts";
import { browserHeaders, connect, machineHeaders } from "./client.ts";

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
      // A vault event machines do not read, then a node version they do.
      const invitation = await server.adminFetch("/api/invitations", { method: "POST" });
      expect(invitation.status).toBe(201);
      const item = nodeItem(nodeId(), ROOT_NODE_ID, 0);
      const res = await server.machineFetch("/api/commits", { method: "POST", body: JSON.stringify({ items: [item] }), headers: { "x-request-id": "req-ws-shape-1" } });
      expect(res.status).toBe(200);
      const pushed = await socket.waitFor((m) => m.type === "changes");
      const events = pushed.events as Record<string, unknown>[];
      expect(events.map((e) => e.type)).toEqual(["FileVersionCommitted"]);
      const created = events[0];
      expect(JSON.stringify(pushed)).not.toContain("requestId");
      for (const event of events) {
        expect(Object.keys(event).sort()).toEqual(["id", "machineId", "meta", "opId", "payload", "seq", "stream", "ts", "type", "version"]);
        expect(event.meta).not.toHaveProperty("requestId");
      }
      expect(created?.meta).toMatchObject({ correlationId: "req-ws-shape-1" });
      const changes = (await (await server.machineFetch(`/api/changes?since=${String(hello.cursor)}`)).json()) as { changes: unknown[] };
      expect(changes.changes).toEqual([created]);
    } finally {
      socket.close();
    }
  });
});

describe("what machines read of the log (S7)", () => {
  it("machines get their vault's file events only; users also get the vault's and their account's other events", async () => {
    const machine = (await (await server.machineFetch("/api/changes?since=0&limit=5000")).json()) as { changes: { type: string }[] };
    const user = (await (await server.adminFetch("/api/changes?since=0&limit=5000")).json()) as { changes: { type: string; payload: unknown }[] };
    const machineTypes = new Set(machine.changes.map((c) => c.type));
    for (const type of ["AdminCreated", "InvitationCreated", "InvitationRedeemed", "MachineRegistered"]) expect(machineTypes.has(type)).toBe(false);
    expect(machineTypes.has("FileVersionCommitted")).toBe(true);
    const userTypes = new Set(user.changes.map((c) => c.type));
    for (const type of ["AdminCreated", "InvitationCreated", "MachineRegistered", "FileVersionCommitted"]) expect(userTypes.has(type)).toBe(true);
  });

  it("a dashboard socket is pushed the vault's other events, a machine's socket is not", async () => {
    const agent = await connect(server, "/ws/changes", { headers: machineHeaders(server.machine.token) });
    const dashboard = await connect(server, "/ws/dashboard", { headers: browserHeaders(server) });
    try {
      await agent.waitFor((m) => m.type === "hello");
      await dashboard.waitFor((m) => m.type === "snapshot");
      expect((await server.adminFetch("/api/invitations", { method: "POST" })).status).toBe(201);
      const shown = await dashboard.waitFor((m) => m.type === "changes");
      expect((shown.events as { type: string }[]).map((e) => e.type)).toEqual(["InvitationCreated"]);
      // The agent's first push is the next node version, not the invitation.
      const item = nodeItem(nodeId(), ROOT_NODE_ID, 0);
      expect((await server.machineFetch("/api/commits", { method: "POST", body: JSON.stringify({ items: [item] }) })).status).toBe(200);
      const pushed = await agent.waitFor((m) => m.type === "changes");
      expect((pushed.events as { type: string }[]).map((e) => e.type)).toEqual(["FileVersionCommitted"]);
    } finally {
      agent.close();
      dashboard.close();
    }
  });
});
