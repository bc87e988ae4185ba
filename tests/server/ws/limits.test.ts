/**
 * Socket and report limits per machine over real WebSockets (A14):
 * a machine keeps at most MAX_SOCKETS_PER_MACHINE sockets (opening one more
 * closes its oldest with 4429), and its reports are rate limited (token
 * bucket): the excess is dropped, counted and answered with an error that
 * echoes the report id.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSE_TOO_MANY_SOCKETS, MAX_SOCKETS_PER_MACHINE } from "../../../lib/server/ws/hub.ts";
import { DEFAULT_REPORT_LIMIT } from "../../../lib/server/ws/rate-limit.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { closedWithin, connect, machineHeaders, type TestSocket } from "./client.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

describe("sockets per machine", () => {
  it("closes the oldest socket with 4429 when a machine opens one too many; other machines are not affected", async () => {
    const machine = await server.registerMachine("many sockets");
    const bystander = await connect(server, "/ws/changes", { headers: machineHeaders(server.machine.token) });
    const sockets: TestSocket[] = [];
    for (let i = 0; i < MAX_SOCKETS_PER_MACHINE; i++) {
      const s = await connect(server, i % 2 === 0 ? "/ws/changes" : "/ws/events", { headers: machineHeaders(machine.token) });
      sockets.push(s);
    }
    const extra = await connect(server, "/ws/changes", { headers: machineHeaders(machine.token) });
    await extra.waitFor((m) => m.type === "hello");
    const closed = await closedWithin(sockets[0] as TestSocket, 3000);
    expect(closed).toEqual({ code: CLOSE_TOO_MANY_SOCKETS, reason: "too many sockets for this machine" });
    for (const s of sockets.slice(1)) expect(s.ws.readyState).toBe(s.ws.OPEN);
    expect(extra.ws.readyState).toBe(extra.ws.OPEN);
    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
    for (const s of [...sockets.slice(1), extra, bystander]) s.close();
  });
});

describe("reports per machine", () => {
  it("drops reports past the token bucket, answers each with rate_limited echoing its id, and stores none of them", async () => {
    const machine = await server.registerMachine("flooder");
    const socket = await connect(server, "/ws/events", { headers: machineHeaders(machine.token) });
    const total = DEFAULT_REPORT_LIMIT.burst * 3;
    for (let i = 0; i < total; i++) socket.send({ type: "state", state: "idle", reportId: `flood-report-${String(i).padStart(6, "0")}` });
    const last = `flood-report-${String(total - 1).padStart(6, "0")}`;
    await socket.waitFor((m) => m.reportId === last, 10_000);
    await socket.waitFor(() => socket.messages.length >= total, 10_000);
    const acks = socket.messages.filter((m) => m.type === "ack");
    const limited = socket.messages.filter((m) => m.type === "error" && m.error === "rate_limited");
    expect(acks.length + limited.length).toBe(total);
    expect(acks.length).toBeGreaterThanOrEqual(DEFAULT_REPORT_LIMIT.burst);
    expect(limited.length).toBeGreaterThan(0);
    for (const m of limited) expect(m.reportId).toMatch(/^flood-report-\d{6}$/);
    const stored = await server.ctx.db.execute({ sql: "SELECT COUNT(*) AS n FROM report_ids WHERE machine_id = ?", args: [machine.machineId] });
    expect(Number(stored.rows[0]?.n)).toBe(acks.length);
    socket.close();
  });
});
