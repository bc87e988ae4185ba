/**
 * Two server instances on one SQLite file and one chunk folder, each with
 * its own database connections and hub: a commit through one reaches the
 * subscribers of the other by tailing the event table, agent reports
 * through one reach dashboards on the other, and removing a machine through
 * one closes its sockets on the other (A13, W8, S10, C8; DESIGN §3).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { commitNewFile, pushedCommit } from "../helpers/file-over-http.ts";
import { browserHeaders, closedWithin, connect, machineHeaders, refusedStatus } from "./client.ts";

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  a = await startTestServer();
  b = await startTestServer({ dataDir: a.dataDir, setup: false });
  b.admin = await b.login();
  b.machine = a.machine;
});
afterAll(async () => {
  await b.close();
  await a.close();
});

describe("two servers sharing one database", () => {
  it("notifies a subscriber of server B of a commit made through server A", async () => {
    const onB = await connect(b, "/ws/changes", { headers: machineHeaders(a.machine.token) });
    await onB.waitFor((m) => m.type === "hello");
    const put = await a.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: "AAAA", version: 0 }) });
    expect(put.status).toBe(200);
    const pushed = await onB.waitFor((m) => m.type === "changes" && (m.events as { type: string }[]).some((e) => e.type === "VaultKeyUpdated"), 2000);
    expect(typeof pushed.cursor).toBe("number");
    onB.close();
  });

  it("notifies a subscriber of B of a file committed through A, and B serves its chunk", async () => {
    const onB = await connect(b, "/ws/changes", { headers: machineHeaders(a.machine.token) });
    await onB.waitFor((m) => m.type === "hello");
    const { chunkId, bytes, sha256, item, result } = await commitNewFile(a, 3000);
    const { nodeId, parentId } = item;
    const { message: pushed, event } = await pushedCommit(onB, nodeId);
    expect(event).toMatchObject({
      seq: result.seq,
      payload: { nodeId, parentId, version: 1, kind: "file", encName: item.encName, manifest: item.manifest, chunks: [chunkId], size: 3000 },
    });
    expect(pushed.cursor).toBeGreaterThanOrEqual(result.seq);

    const head = await b.machineFetch(`/api/chunks/${chunkId}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe(`"${sha256}"`);
    const got = await b.machineFetch(`/api/chunks/${chunkId}`);
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
    onB.close();
  });

  it("relays an agent's report through A to a dashboard on B", async () => {
    const dashboard = await connect(b, "/ws/dashboard", { headers: browserHeaders(b) });
    await dashboard.waitFor((m) => m.type === "snapshot");
    const agent = await connect(a, "/ws/events", { headers: machineHeaders(a.machine.token) });
    agent.send({ type: "sync_progress", reportId: "report-x1-000000", speedBps: 1234 });
    const report = await dashboard.waitFor((m) => m.type === "report" && (m.report as { reportId?: string }).reportId === "report-x1-000000", 2000);
    expect(report).toMatchObject({ machineId: a.machine.machineId, status: { state: "syncing", speedBps: 1234 } });
    agent.close();
    dashboard.close();
  });

  it("lets exactly one of 20 redemptions of one invitation succeed across both servers", async () => {
    const inv = (await (await a.adminFetch("/api/invitations", { method: "POST" })).json()) as { code: string };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).fetch("/api/machines/register", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ invitation: inv.code, name: `race-${i}`, platform: "linux" }),
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
  });

  it("closes a machine's sockets on B when A removes it", async () => {
    const victim = await a.registerMachine("lost phone");
    const onB = await connect(b, "/ws/changes", { headers: machineHeaders(victim.token) });
    await onB.waitFor((m) => m.type === "hello");
    expect((await a.adminFetch(`/api/machines/${victim.machineId}`, { method: "DELETE" })).status).toBe(204);
    expect((await closedWithin(onB, 1000)).code).toBe(4401);
    expect(await refusedStatus(b, "/ws/changes", { headers: machineHeaders(victim.token) })).toBe(401);
    expect((await b.machineFetch("/api/vault/key", {}, victim.token)).status).toBe(401);
  });
});
