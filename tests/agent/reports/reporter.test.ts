// The reporter against the real server and a real SQLite outbox (A14, W9):
// live sends, offline buffering and replay in order after a restart of the
// agent or the server, the rate limit, progress, command acknowledgements,
// and refusals of bad reports before anything is stored.
import type { Client } from "@libsql/client";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Reporter, REPORTS_SCHEMA, type ReporterOptions } from "../../../lib/agent/reports/reporter.ts";
import type { AgentReport } from "../../../lib/agent/reports/report.ts";
import { openStateDb } from "../../../lib/agent/state/db.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { waitFor } from "../../helpers/wait.ts";
import { peer } from "../sources/ws-peer.ts";

const NODE = "0123456789abcdef0123456789abcdef";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "syncagent-reports-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function database(dir: string): Promise<Client> {
  const db = await openStateDb(join(dir, "state.db"), [REPORTS_SCHEMA]);
  cleanups.push(() => Promise.resolve(db.close()));
  return db;
}

async function reporter(db: Client, options: ReporterOptions = {}): Promise<{ reporter: Reporter; errors: Error[] }> {
  const errors: Error[] = [];
  const r = await Reporter.open(db, { onError: (e) => errors.push(e), ...options });
  cleanups.push(() => r.close());
  return { reporter: r, errors };
}

async function server(dataDir?: string, port?: number): Promise<TestServer> {
  const s = await startTestServer(port === undefined ? { dataDir } : { dataDir, setup: false, config: { port: String(port) } });
  cleanups.push(() => s.close());
  return s;
}

interface Activity {
  type: string;
  reportId: string;
  agentTs: number;
  report: Record<string, unknown>;
}

async function activity(s: TestServer, token = s.machine.token): Promise<Activity[]> {
  const res = await s.machineFetch("/api/activity?limit=500", {}, token);
  expect(res.status).toBe(200);
  return ((await res.json()) as { activity: Activity[] }).activity.reverse();
}

describe("Reporter", () => {
  it("sends a report when connected and forgets it once acknowledged", async () => {
    const s = await server();
    const db = await database(await tempDir());
    const { reporter: r, errors } = await reporter(db);
    r.connect({ serverUrl: s.url, token: s.machine.token });
    await waitFor("the connection", () => r.connected);
    await r.report({ type: "sync_started", files: 3, counts: { filesPending: 3 } });
    await r.report({ type: "sync_error", message: "Disk full", nodeId: NODE, cursor: 7 });
    await waitFor("both reports stored by the server", async () => (await activity(s)).length === 2);
    const [started, failed] = await activity(s);
    expect(started).toMatchObject({ type: "sync_started", report: { files: 3, counts: { filesPending: 3 } } });
    expect(failed).toMatchObject({ type: "sync_error", report: { message: "Disk full", nodeId: NODE, cursor: 7 } });
    expect(failed!.reportId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(failed!.agentTs).toBeGreaterThan(0);
    await waitFor("the outbox emptied", async () => (await r.pending()) === 0);
    expect(errors).toEqual([]);
  });

  it("keeps reports made offline across an agent restart, and delivers them once, in order", async () => {
    const s = await server();
    const dir = await tempDir();
    const db = await database(dir);
    const { reporter: offline } = await reporter(db);
    const made: AgentReport[] = [
      { type: "state", state: "syncing" },
      { type: "sync_started" },
      { type: "conflict_detected", nodeId: NODE },
      { type: "sync_completed", nodeId: NODE, filesSynced: 1 },
      { type: "cursor", cursor: 12 },
      { type: "state", state: "idle" },
    ];
    for (const report of made) await offline.report(report);
    expect(await offline.pending()).toBe(made.length);
    await offline.close();

    const { reporter: r } = await reporter(db);
    r.connect({ serverUrl: s.url, token: s.machine.token });
    await waitFor("the outbox emptied", async () => (await r.pending()) === 0);
    const stored = await activity(s);
    // The activity history keeps every type but `cursor`.
    expect(stored.map((a) => a.type)).toEqual(["state", "sync_started", "conflict_detected", "sync_completed", "state"]);
    expect(new Set(stored.map((a) => a.reportId)).size).toBe(stored.length);
    const conflicts = await s.machineFetch("/api/conflicts");
    expect(((await conflicts.json()) as { conflicts: unknown[] }).conflicts).toHaveLength(1);
  });

  it("buffers while the server is down and replays after it is back on the same port", async () => {
    const dataDir = await tempDir();
    const first = await startTestServer({ dataDir });
    const { machine, port } = first;
    const db = await database(await tempDir());
    const { reporter: r } = await reporter(db);
    const states: string[] = [];
    r.connect({ serverUrl: first.url, token: machine.token, backoff: { initialMs: 20, maxMs: 200 }, onState: (st) => states.push(st) });
    await waitFor("the connection", () => r.connected);
    await r.report({ type: "sync_started" });
    await waitFor("the first ack", async () => (await r.pending()) === 0);
    await first.close();
    await waitFor("the drop", () => !r.connected);

    for (let i = 0; i < 5; i++) await r.report({ type: "sync_error", message: `Error ${i}` });
    await r.report({ type: "sync_progress", nodeId: NODE, bytesDone: 1 });
    expect(await r.pending()).toBe(5);

    const second = await server(dataDir, port);
    second.machine = machine;
    await waitFor("the replay", async () => (await r.pending()) === 0);
    const stored = await activity(second);
    expect(stored.map((a) => a.report.message ?? a.type)).toEqual(["sync_started", "Error 0", "Error 1", "Error 2", "Error 3", "Error 4"]);
    expect(states.filter((st) => st === "open").length).toBeGreaterThanOrEqual(2);
  });

  it("replays a large outbox past the server's rate limit: waits, resends what was refused, each report once", async () => {
    const s = await server();
    const db = await database(await tempDir());
    const count = 130;
    // Pace too fast on purpose: the server refuses past its burst, the reporter waits and resends.
    const { reporter: r, errors } = await reporter(db, { pace: { burst: 1000, perSecond: 1000 }, rateLimitedMs: 300 });
    for (let i = 0; i < count; i++) await r.report({ type: "sync_error", message: `E${i}` });
    r.connect({ serverUrl: s.url, token: s.machine.token });
    await waitFor("every report acknowledged", async () => (await r.pending()) === 0, 30_000);
    const stored = (await activity(s)).map((a) => a.report.message as string);
    // Messages in flight when the server refused one may pass it; none is lost or doubled.
    expect(stored).toHaveLength(count);
    expect([...stored].sort()).toEqual(Array.from({ length: count }, (_, i) => `E${i}`).sort());
    // The server's first 100 come in order.
    expect(stored.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => `E${i}`));
    expect(errors).toEqual([]);
  }, 60_000);

  it("sends progress live only: dropped offline, shown in the machine status online", async () => {
    const s = await server();
    const db = await database(await tempDir());
    const { reporter: r } = await reporter(db, { progressGapMs: 60_000 });
    await r.report({ type: "sync_progress", nodeId: NODE, bytesDone: 1, bytesTotal: 10 });
    r.connect({ serverUrl: s.url, token: s.machine.token });
    await waitFor("the connection", () => r.connected);
    await r.report({ type: "sync_progress", nodeId: NODE, bytesDone: 5, bytesTotal: 10, speedBps: 1234, direction: "upload" });
    await r.report({ type: "sync_progress", nodeId: NODE, bytesDone: 6, bytesTotal: 10, speedBps: 9999, direction: "upload" });
    expect(await r.pending()).toBe(0);
    const status = await waitFor("the live status", async () => {
      const res = await s.machineFetch(`/api/machines/${s.machine.machineId}/status`);
      const body = (await res.json()) as { state: string; speedBps: number };
      return body.state === "syncing" ? body : null;
    });
    expect(status.speedBps).toBe(1234);
  });

  it("acknowledges commands once, online or queued offline", async () => {
    const s = await server();
    const issue = async (kind: string): Promise<string> => {
      const res = await s.adminFetch(`/api/machines/${s.machine.machineId}/commands`, { method: "POST", body: JSON.stringify({ kind }) });
      return ((await res.json()) as { commandId: string }).commandId;
    };
    const commands = async (): Promise<{ commandId: string; state: string; ok: boolean | null; message: string | null }[]> => {
      const res = await s.machineFetch(`/api/machines/${s.machine.machineId}/commands`);
      return ((await res.json()) as { commands: { commandId: string; state: string; ok: boolean | null; message: string | null }[] }).commands;
    };
    const offlineId = await issue("pause");
    const db = await database(await tempDir());
    const { reporter: r, errors } = await reporter(db);
    await r.ackCommand(offlineId, true);
    expect(await r.pending()).toBe(1);
    r.connect({ serverUrl: s.url, token: s.machine.token });
    await waitFor("the queued ack recorded", async () => (await commands()).find((c) => c.commandId === offlineId && c.state === "acknowledged"));

    const onlineId = await issue("resume");
    await r.ackCommand(onlineId, false, "Not paused");
    const acked = await waitFor("the live ack recorded", async () => (await commands()).find((c) => c.commandId === onlineId && c.state === "acknowledged"));
    expect(acked).toMatchObject({ ok: false, message: "Not paused" });
    // A second acknowledgement is refused by the server: settled, not retried.
    await db.execute("DELETE FROM report_outbox");
    await r.ackCommand(onlineId, true);
    await waitFor("the repeat settled", async () => (await r.pending()) === 0);
    expect(errors).toEqual([]);
    expect((await commands()).find((c) => c.commandId === onlineId)).toMatchObject({ ok: false });
  });

  it("refuses malformed reports and acknowledgements before storing anything", async () => {
    const db = await database(await tempDir());
    const { reporter: r } = await reporter(db);
    const bad: unknown[] = [
      { type: "conflict_detected", nodeId: "not-hex" },
      { type: "conflict_detected" },
      { type: "sync_error", message: "" },
      { type: "sync_error", message: "x".repeat(1001) },
      { type: "state", state: "sleeping" },
      { type: "sync_started", extra: 1 },
      { type: "unknown" },
      { type: "cursor", cursor: -1 },
      { type: "sync_started", counts: { filesSynced: 1.5 } },
    ];
    for (const report of bad) await expect(r.report(report as AgentReport)).rejects.toThrow(TypeError);
    await expect(r.report({ type: "sync_error", message: "" })).rejects.toThrow(/message/);
    await expect(r.ackCommand("xyz", true)).rejects.toThrow(/commandId/);
    await expect(r.ackCommand(NODE, true, "m".repeat(1001))).rejects.toThrow(/1,000/);
    expect(await r.pending()).toBe(0);
  });

  it("bounds the outbox: superseded state rows go first, and drops are counted", async () => {
    const s = await server();
    const db = await database(await tempDir());
    const { reporter: r } = await reporter(db, { maxRows: 4 });
    await r.report({ type: "state", state: "syncing" });
    await r.report({ type: "sync_error", message: "A" });
    await r.report({ type: "state", state: "error" });
    await r.report({ type: "sync_error", message: "B" });
    await r.report({ type: "sync_error", message: "C" });
    await r.report({ type: "sync_error", message: "D" });
    await r.report({ type: "sync_error", message: "E" });
    expect(await r.pending()).toBe(4);
    expect(r.dropped).toBe(3);
    r.connect({ serverUrl: s.url, token: s.machine.token });
    await waitFor("the replay", async () => (await r.pending()) === 0);
    expect((await activity(s)).map((a) => a.report.message)).toEqual(["B", "C", "D", "E"]);
  });

  it("stops for good when the token is refused, keeping the outbox", async () => {
    const s = await server();
    const db = await database(await tempDir());
    const { reporter: r } = await reporter(db);
    await r.report({ type: "sync_started" });
    const fatal: string[] = [];
    r.connect({ serverUrl: s.url, token: "sam_not-a-real-token", onFatal: (reason) => fatal.push(reason) });
    await waitFor("the refusal", () => fatal.length === 1);
    expect(fatal[0]).not.toContain("sam_not-a-real-token");
    expect(await r.pending()).toBe(1);
    expect(() => r.connect({ serverUrl: s.url, token: s.machine.token })).toThrow(/already/);
  });

  it("throttles progress per node and per socket, live only, without a reportId", async () => {
    const p = await peer();
    cleanups.push(() => p.close());
    const db = await database(await tempDir());
    let clock = 1_000_000;
    const { reporter: r } = await reporter(db, { now: () => clock });
    r.connect({ serverUrl: p.url, token: "sam_t" });
    await waitFor("the connection", () => r.connected);
    const other = "f".repeat(32);
    const progress = (nodeId: string, bytesDone: number, at: number): Promise<void> => {
      clock = at;
      return r.report({ type: "sync_progress", nodeId, bytesDone, bytesTotal: 10 });
    };
    await progress(NODE, 0, 1_000_000); // sent
    await progress(NODE, 1, 1_000_100); // same node within 250 ms: dropped
    await progress(other, 9, 1_000_300); // another node, 300 ms after the last one sent: sent
    await progress(NODE, 2, 1_000_400); // 100 ms after the last one sent on this socket: dropped
    await progress(NODE, 3, 1_000_600); // sent
    await r.report({ type: "sync_completed", nodeId: NODE });
    await waitFor("the completion", () => p.received.some((m) => (m as { type: string }).type === "sync_completed"));
    const sent = p.received.filter((m) => (m as { type: string }).type === "sync_progress") as { nodeId: string; bytesDone: number; reportId?: string; ts: number }[];
    expect(sent.map((m) => [m.nodeId, m.bytesDone])).toEqual([[NODE, 0], [other, 9], [NODE, 3]]);
    expect(sent.map((m) => m.ts)).toEqual([1_000_000, 1_000_300, 1_000_600]);
    expect(sent.every((m) => m.reportId === undefined)).toBe(true);
    // Only the completion waits for an acknowledgement (this peer gives none); progress is never stored.
    expect(await r.pending()).toBe(1);
  });

  it("paces a replay: a burst, then at most the sustained rate", async () => {
    const p = await peer();
    cleanups.push(() => p.close());
    p.onMessage = (ws, m) => ws.send(JSON.stringify({ type: "ack", reportId: m.reportId }));
    const db = await database(await tempDir());
    const { reporter: r } = await reporter(db, { pace: { burst: 20, perSecond: 20 } });
    for (let i = 0; i < 40; i++) await r.report({ type: "sync_error", message: `E${i}` });
    r.connect({ serverUrl: p.url, token: "sam_t" });
    await waitFor("the replay", async () => (await r.pending()) === 0);
    expect(p.received.map((m) => (m as { message: string }).message)).toEqual(Array.from({ length: 40 }, (_, i) => `E${i}`));
    // 20 at once, then 20 more at 20 per second: the last one no sooner than ~1 s after the first.
    expect(p.receivedAt[39]! - p.receivedAt[0]!).toBeGreaterThanOrEqual(900);
    expect(p.receivedAt[19]! - p.receivedAt[0]!).toBeLessThan(500);
  });

  it("after a refusal sends one message at a time, and resends one left unanswered", async () => {
    const p = await peer();
    cleanups.push(() => p.close());
    let seen = 0;
    p.onMessage = (ws, m) => {
      seen++;
      if (seen <= 3) ws.send(JSON.stringify({ type: "error", error: "rate_limited", reportId: m.reportId, message: "slow down" }));
      else if (seen === 4) return; // lost: no answer
      else ws.send(JSON.stringify({ type: "ack", reportId: m.reportId }));
    };
    const db = await database(await tempDir());
    const { reporter: r, errors } = await reporter(db, { rateLimitedMs: 50, answerTimeoutMs: 200 });
    for (let i = 0; i < 3; i++) await r.report({ type: "sync_error", message: `E${i}` });
    r.connect({ serverUrl: p.url, token: "sam_t" });
    await waitFor("the replay", async () => (await r.pending()) === 0);
    const sent = p.received.map((m) => (m as { message: string }).message);
    // The first burst, all refused; then one at a time from E0, the unanswered one again after the timeout.
    expect(sent).toEqual(["E0", "E1", "E2", "E0", "E0", "E1", "E2"]);
    expect(p.receivedAt[4]! - p.receivedAt[3]!).toBeGreaterThanOrEqual(190);
    expect(errors).toEqual([]);
  });
});
