/**
 * Agent reports v2 over real WebSockets and HTTP (A14, W8, W10, S11, item
 * 12): deduplicated on (machine, reportId), the agent's timestamp kept
 * beside the server's, refusals echo the report id, id fields validated,
 * conflicts kept and listed with their state, the agent's cursor and how far
 * behind it is, and the activity history paged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestMachine, type TestServer } from "../../helpers/server.ts";
import { waitFor } from "../../helpers/wait.ts";
import { connect, machineHeaders, type TestSocket } from "./client.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

const node = (c: string): string => c.repeat(32);
let n = 0;
const rid = (): string => `report-${String(++n).padStart(10, "0")}`;

async function agent(machine: TestMachine): Promise<TestSocket> {
  return connect(server, "/ws/events", { headers: machineHeaders(machine.token) });
}

async function getJson<T>(path: string): Promise<T> {
  const res = await server.adminFetch(path);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe("deduplication and timestamps (A14)", () => {
  it("applies a replayed report once and keeps the agent's timestamp beside the server's", async () => {
    const machine = await server.registerMachine("dedup");
    const socket = await agent(machine);
    const reportId = rid();
    const agentTs = Date.now() - 3_600_000; // made offline an hour ago, replayed now
    const report = { type: "conflict_detected", reportId, ts: agentTs, nodeId: node("a") };
    socket.send(report);
    await socket.waitFor((m) => m.type === "ack" && m.reportId === reportId && m.duplicate === undefined);
    socket.send(report); // the agent reconnected and replayed its buffer
    await socket.waitFor((m) => m.type === "ack" && m.reportId === reportId && m.duplicate === true);
    const status = await getJson<{ conflicts: number }>(`/api/machines/${machine.machineId}/status`);
    expect(status.conflicts).toBe(1);
    const { activity } = await getJson<{ activity: { reportId: string; agentTs: number; ts: number; machineId: string }[] }>(`/api/activity?machineId=${machine.machineId}`);
    expect(activity).toHaveLength(1);
    expect(activity[0]).toMatchObject({ reportId, agentTs, machineId: machine.machineId });
    expect(activity[0]?.ts).toBeGreaterThan(agentTs);
    socket.close();
  });
});

describe("validation (A14)", () => {
  it("refuses ids that are not ids and echoes a well-formed report id in every refusal", async () => {
    const machine = await server.registerMachine("validate");
    const socket = await agent(machine);
    const cases: [object, string][] = [
      [{ type: "conflict_detected", nodeId: "../../etc/passwd" }, "nodeId"],
      [{ type: "sync_completed", nodeId: "A".repeat(32) }, "nodeId"],
      [{ type: "sync_started", reportId: "short" }, "reportId"],
      [{ type: "sync_started", reportId: "x".repeat(65) }, "reportId"],
      [{ type: "sync_started", extra: "field" }, "extra"],
      [{ type: "sync_error", message: "" }, "message"],
      [{ type: "sync_started", ts: "yesterday" }, "ts"],
    ];
    for (const [report, field] of cases) {
      const reportId = rid();
      const sent = "reportId" in report ? report : { ...report, reportId };
      socket.send(sent);
      const echoed = "reportId" in report ? undefined : reportId;
      const error = await socket.waitFor((m) => m.type === "error" && m.error === "invalid_report");
      expect(error.reportId).toBe(echoed);
      expect(String(error.message)).toContain(field);
      socket.messages.length = 0;
    }
    // Nothing of it was stored.
    const { activity } = await getJson<{ activity: unknown[] }>(`/api/activity?machineId=${machine.machineId}`);
    expect(activity).toEqual([]);
    socket.close();
  });
});

describe("conflicts (A8, W10)", () => {
  it("keeps conflicts, lists them paged by state, and resolves one", async () => {
    const machine = await server.registerMachine("conflicted");
    const socket = await agent(machine);
    const ids = [rid(), rid(), rid()];
    for (const [i, reportId] of ids.entries()) socket.send({ type: "conflict_detected", reportId, nodeId: node(String(i + 1)), ts: 1000 + i });
    await socket.waitFor((m) => m.type === "ack" && m.reportId === ids[2]);
    type Page = { conflicts: { id: number; nodeId: string; state: string; agentTs: number; machineId: string }[]; next: { before: number } | null };
    const first = await getJson<Page>("/api/conflicts?limit=2");
    const mine = (p: Page): Page["conflicts"] => p.conflicts.filter((c) => c.machineId === machine.machineId);
    expect(mine(first).map((c) => c.nodeId)).toEqual([node("3"), node("2")]);
    expect(first.next).not.toBeNull();
    const second = await getJson<Page>(`/api/conflicts?limit=2&before=${first.next?.before}`);
    expect(mine(second).map((c) => c.nodeId)).toContain(node("1"));
    const target = mine(first)[0];
    expect(target).toMatchObject({ state: "open", agentTs: 1002 });
    const resolved = await server.adminFetch(`/api/conflicts/${target?.id}/resolve`, { method: "POST" });
    expect(resolved.status).toBe(200);
    expect((await server.adminFetch(`/api/conflicts/${target?.id}/resolve`, { method: "POST" })).status).toBe(404);
    const open = await getJson<Page>("/api/conflicts?state=open&limit=500");
    expect(open.conflicts.map((c) => c.id)).not.toContain(target?.id);
    const done = await getJson<Page>("/api/conflicts?state=resolved");
    expect(done.conflicts.map((c) => c.id)).toContain(target?.id);
    expect((await server.adminFetch("/api/conflicts?state=maybe")).status).toBe(422);
    socket.close();
  });
});

describe("cursor and lag (S11, W4)", () => {
  it("shows how far behind the vault head a machine is", async () => {
    const machine = await server.registerMachine("laggard");
    const socket = await agent(machine);
    const before = await getJson<{ cursor: number | null; behind: number | null }>(`/api/machines/${machine.machineId}/status`);
    expect(before).toMatchObject({ cursor: null, behind: null });
    const head = Number((await server.ctx.db.execute("SELECT MAX(seq) AS s FROM events")).rows[0]?.s);
    const reportId = rid();
    socket.send({ type: "cursor", reportId, cursor: head - 2 });
    await socket.waitFor((m) => m.type === "ack" && m.reportId === reportId);
    const status = await getJson<{ cursor: number; behind: number }>(`/api/machines/${machine.machineId}/status`);
    expect(status.cursor).toBe(head - 2);
    expect(status.behind).toBeGreaterThanOrEqual(2);
    // A new event in the vault puts it one further behind.
    expect((await server.adminFetch("/api/invitations", { method: "POST" })).status).toBe(201);
    await waitFor("lag to grow", async () => (await getJson<{ behind: number }>(`/api/machines/${machine.machineId}/status`)).behind >= status.behind + 1);
    // Catching up brings it to 0.
    const now = Number((await server.ctx.db.execute("SELECT MAX(seq) AS s FROM events")).rows[0]?.s);
    const caught = rid();
    socket.send({ type: "sync_completed", reportId: caught, cursor: now });
    await socket.waitFor((m) => m.type === "ack" && m.reportId === caught);
    expect(await getJson<{ behind: number }>(`/api/machines/${machine.machineId}/status`)).toMatchObject({ behind: 0, cursor: now });
    socket.close();
  });
});

describe("activity history (W8)", () => {
  it("pages the history newest first with before and limit; progress stays live only", async () => {
    const machine = await server.registerMachine("historian");
    const socket = await agent(machine);
    const ids = Array.from({ length: 5 }, rid);
    for (const reportId of ids) socket.send({ type: "sync_completed", reportId, nodeId: node("e") });
    const progress = rid();
    socket.send({ type: "sync_progress", reportId: progress, speedBps: 10 });
    await socket.waitFor((m) => m.type === "ack" && m.reportId === progress);
    type Page = { activity: { seq: number; reportId: string; type: string }[]; next: { before: number } | null };
    const q = `/api/activity?machineId=${machine.machineId}&limit=2`;
    const one = await getJson<Page>(q);
    const two = await getJson<Page>(`${q}&before=${one.next?.before}`);
    const three = await getJson<Page>(`${q}&before=${two.next?.before}`);
    expect([...one.activity, ...two.activity, ...three.activity].map((a) => a.reportId)).toEqual([...ids].reverse());
    expect(three.next).toBeNull();
    expect((await server.adminFetch("/api/activity?limit=0")).status).toBe(422);
    socket.close();
  });
});
