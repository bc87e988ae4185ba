/**
 * The WebSocket hub on one server: authentication of each endpoint, change
 * notifications, agent reports to status and dashboards, heartbeats, and
 * revocation closing sockets (A13, A14, S10, S11, W4, W8, C8).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWebSocket } from "../../../lib/runtime/websocket.ts";
import { nodeId, nodeItem, ROOT_NODE_ID } from "../helpers/nodes.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { browserHeaders, closedWithin, connect, machineHeaders, refusedStatus } from "./client.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ hub: { heartbeatMs: 150 } });
});
afterAll(async () => {
  await server.close();
});

describe("socket authentication", () => {
  it("refuses agents without a valid token (401), a token in the URL (401), a foreign Origin (403)", async () => {
    expect(await refusedStatus(server, "/ws/changes")).toBe(401);
    expect(await refusedStatus(server, "/ws/events", { headers: machineHeaders("sam_" + "x".repeat(43)) })).toBe(401);
    expect(await refusedStatus(server, `/ws/changes?token=${server.machine.token}`)).toBe(401);
    expect(await refusedStatus(server, "/ws/changes", { headers: { ...machineHeaders(server.machine.token), origin: "https://evil.example" } })).toBe(403);
  });

  it("accepts the token as a subprotocol after syncagent.v1 and never echoes it", async () => {
    const socket = await connect(server, "/ws/changes", { protocols: ["syncagent.v1", `bearer.${server.machine.token}`] });
    expect(socket.ws.protocol).toBe("syncagent.v1");
    await socket.waitFor((m) => m.type === "hello");
    socket.close();
    expect(await refusedStatus(server, "/ws/changes", { protocols: [`bearer.${server.machine.token}`, "syncagent.v1"] })).toBe(400);
  });

  it("opens through the runtime client with header or subprotocol token", async () => {
    for (const tokenInProtocol of [false, true]) {
      const ws = await openWebSocket(server.url.replace("http", "ws") + "/ws/changes", { token: server.machine.token, tokenInProtocol, headers: {} });
      const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
        ws.addEventListener("message", (e) => resolve(JSON.parse(String(e.data)) as Record<string, unknown>));
        ws.addEventListener("error", () => reject(new Error("socket error")));
      });
      expect(hello.type).toBe("hello");
      ws.close();
    }
  });

  it("refuses dashboards without a session (401), without or with a foreign Origin (403), and machine tokens (401)", async () => {
    expect(await refusedStatus(server, "/ws/dashboard", { headers: { origin: server.origin } })).toBe(401);
    expect(await refusedStatus(server, "/ws/dashboard", { headers: { cookie: server.admin.cookie } })).toBe(403);
    expect(await refusedStatus(server, "/ws/dashboard", { headers: { cookie: server.admin.cookie, origin: "https://evil.example" } })).toBe(403);
    expect(await refusedStatus(server, "/ws/dashboard", { headers: { ...machineHeaders(server.machine.token), origin: server.origin } })).toBe(401);
  });
});

describe("/ws/changes (A13)", () => {
  it("says hello with the cursor, then pushes the vault's new events", async () => {
    const socket = await connect(server, "/ws/changes", { headers: machineHeaders(server.machine.token) });
    const hello = await socket.waitFor((m) => m.type === "hello");
    expect(typeof hello.cursor).toBe("number");
    const item = nodeItem(nodeId(), ROOT_NODE_ID, 0);
    expect((await server.machineFetch("/api/commits", { method: "POST", body: JSON.stringify({ items: [item] }) })).status).toBe(200);
    const pushed = await socket.waitFor((m) => m.type === "changes");
    const events = pushed.events as { type: string; payload: { nodeId: string }; seq: number }[];
    expect(events.map((e) => e.type)).toEqual(["FileVersionCommitted"]);
    expect(events[0]?.payload.nodeId).toBe(item.nodeId);
    expect(pushed.cursor).toBeGreaterThan(hello.cursor as number);
    socket.close();
  });
});

describe("/ws/events and /ws/dashboard (A14, S11, W4, W8)", () => {
  it("stores reports as status, acks them, relays them to the dashboard and the polling route", async () => {
    const dashboard = await connect(server, "/ws/dashboard", { headers: browserHeaders(server) });
    const snapshot = await dashboard.waitFor((m) => m.type === "snapshot");
    expect((snapshot.machines as { id: string }[]).map((m) => m.id)).toContain(server.machine.machineId);
    const agent = await connect(server, "/ws/events", { headers: machineHeaders(server.machine.token) });
    agent.send({ type: "sync_started", reportId: "report-r10000000", files: 3 });
    agent.send({ type: "sync_progress", reportId: "report-r20000000", nodeId: "a".repeat(32), bytesDone: 10, bytesTotal: 100, speedBps: 5000 });
    await agent.waitFor((m) => m.type === "ack" && m.reportId === "report-r20000000");
    const relayed = await dashboard.waitFor((m) => m.type === "report" && (m.report as { reportId?: string }).reportId === "report-r20000000");
    expect(relayed).toMatchObject({ machineId: server.machine.machineId, status: { state: "syncing", speedBps: 5000 } });
    const polled = (await (await server.machineFetch(`/api/machines/${server.machine.machineId}/status`)).json()) as Record<string, unknown>;
    expect(polled).toMatchObject({ state: "syncing", speedBps: 5000, filesPending: 3 });
    agent.send({ type: "sync_completed", reportId: "report-r30000000", nodeId: "b".repeat(32), filesSynced: 3, counts: { filesPending: 0, bytesStored: 4096 } });
    await agent.waitFor((m) => m.reportId === "report-r30000000");
    const done = (await (await server.adminFetch(`/api/machines/${server.machine.machineId}/status`)).json()) as Record<string, unknown>;
    expect(done).toMatchObject({ state: "idle", speedBps: 0, filesSynced: 3, filesPending: 0, bytesStored: 4096, lastFile: "b".repeat(32) });
    agent.close();
    dashboard.close();
  });

  it("answers invalid reports with an error and keeps the socket", async () => {
    const agent = await connect(server, "/ws/events", { headers: machineHeaders(server.machine.token) });
    agent.ws.send("{nope");
    await agent.waitFor((m) => m.type === "error" && m.error === "invalid_json");
    agent.send({ type: "sync_exploded" });
    await agent.waitFor((m) => m.type === "error" && m.error === "invalid_report");
    agent.send({ type: "conflict_detected", reportId: "report-c10000000", nodeId: "c".repeat(32) });
    await agent.waitFor((m) => m.type === "ack" && m.reportId === "report-c10000000");
    agent.close();
  });
});

describe("message size", () => {
  it("closes a socket that sends a frame over 64 KiB (1009)", async () => {
    const agent = await connect(server, "/ws/events", { headers: machineHeaders(server.machine.token) });
    agent.ws.send("x".repeat(65 * 1024));
    expect((await closedWithin(agent, 3000)).code).toBe(1009);
  });
});

describe("report floods", () => {
  it("acknowledges every progress report but stores them thinned; other reports always", async () => {
    const flooder = await server.registerMachine("flooder");
    const agent = await connect(server, "/ws/events", { headers: machineHeaders(flooder.token) });
    for (let i = 0; i < 30; i++) agent.send({ type: "sync_progress", reportId: `progress-report-${i}`, speedBps: i });
    agent.send({ type: "sync_completed", reportId: "report-done00000" });
    await agent.waitFor((m) => m.type === "ack" && m.reportId === "report-done00000");
    expect(agent.messages.filter((m) => m.type === "ack")).toHaveLength(31);
    const rows = await server.ctx.db.execute({
      sql: "SELECT json_extract(report, '$.type') AS type FROM machine_reports WHERE machine_id = ?",
      args: [flooder.machineId],
    });
    const types = rows.rows.map((r) => r.type);
    expect(types.filter((t) => t === "sync_progress").length).toBeLessThan(5);
    expect(types).toContain("sync_completed");
    agent.close();
  });
});

describe("heartbeats", () => {
  it("drops a socket that stops answering pings", async () => {
    const dead = await connect(server, "/ws/changes", { headers: machineHeaders(server.machine.token), autoPong: false });
    const alive = await connect(server, "/ws/changes", { headers: machineHeaders(server.machine.token) });
    const closed = await closedWithin(dead, 3000);
    expect([1001, 1006]).toContain(closed.code);
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
    alive.close();
  });

  it("closes a dashboard whose session was logged out", async () => {
    const session = await server.login();
    const dashboard = await connect(server, "/ws/dashboard", { headers: browserHeaders(server, session.cookie) });
    await dashboard.waitFor((m) => m.type === "snapshot");
    expect((await server.adminFetch("/api/auth/logout", { method: "POST" }, session)).status).toBe(204);
    expect((await closedWithin(dashboard, 3000)).code).toBe(4401);
  });

  it("lists only the vault's machines, and closes a dashboard whose session switched vaults (W8)", async () => {
    const session = await server.login();
    const [row] = (await server.ctx.db.execute({ sql: "SELECT account_id FROM machines WHERE id = ?", args: [server.machine.machineId] })).rows;
    const accountId = row?.account_id as string;
    const other = randomBytes(16).toString("hex");
    await server.ctx.db.execute({ sql: "INSERT INTO vaults (id, account_id, created_at) VALUES (?, ?, ?)", args: [other, accountId, Date.now()] });
    await server.ctx.db.execute({ sql: "INSERT INTO vault_members (vault_id, account_id, role, added_at) VALUES (?, ?, 'owner', ?)", args: [other, accountId, Date.now()] });
    // A machine of the same account acting on the other vault.
    const elsewhere = await server.registerMachine("other vault");
    await server.ctx.db.execute({ sql: "UPDATE machine_registry SET vault_id = ? WHERE id = ?", args: [other, elsewhere.machineId] });
    const dashboard = await connect(server, "/ws/dashboard", { headers: browserHeaders(server, session.cookie) });
    const snapshot = await dashboard.waitFor((m) => m.type === "snapshot");
    const listed = (snapshot.machines as { id: string }[]).map((m) => m.id);
    expect(listed).toContain(server.machine.machineId);
    expect(listed).not.toContain(elsewhere.machineId);
    const switched = await server.adminFetch("/api/auth/vault", { method: "POST", body: JSON.stringify({ vaultId: other }) }, session);
    expect(switched.status).toBe(200);
    expect((await closedWithin(dashboard, 3000)).code).toBe(4401);
    await server.ctx.db.execute({ sql: "UPDATE machine_registry SET vault_id = (SELECT vault_id FROM machines WHERE id = ?) WHERE id = ?", args: [elsewhere.machineId, elsewhere.machineId] });
  });
});

describe("revocation (S10, C8)", () => {
  it("closes a removed machine's sockets at once and refuses it afterwards", async () => {
    const victim = await server.registerMachine("stolen laptop");
    const changes = await connect(server, "/ws/changes", { headers: machineHeaders(victim.token) });
    const events = await connect(server, "/ws/events", { headers: machineHeaders(victim.token) });
    await changes.waitFor((m) => m.type === "hello");
    const removed = await server.adminFetch(`/api/machines/${victim.machineId}`, { method: "DELETE" });
    expect(removed.status).toBe(204);
    expect((await closedWithin(changes, 1000)).code).toBe(4401);
    expect((await closedWithin(events, 1000)).code).toBe(4401);
    expect(await refusedStatus(server, "/ws/changes", { headers: machineHeaders(victim.token) })).toBe(401);
  });
});

describe("dashboard sessions", () => {
  it("closes a dashboard left open past the session's idle timeout (the socket is not activity)", async () => {
    const idle = await startTestServer({ hub: { heartbeatMs: 100 }, web: { sessionIdleMs: 60_000 } });
    try {
      const dashboard = await connect(idle, "/ws/dashboard", { headers: browserHeaders(idle) });
      await dashboard.waitFor((m) => m.type === "snapshot");
      idle.clock.advance(61_000);
      expect((await closedWithin(dashboard, 3000)).code).toBe(4401);
    } finally {
      await idle.close();
    }
  });
});
