/**
 * Idempotent and atomic writes over real HTTP (S4, S5, S8): a retried
 * operation answers its original result after other commits, an atomic
 * batch with one bad item records nothing, restores are safe to retry.
 * One real server on 127.0.0.1 for the file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hexId } from "./helpers/context.ts";
import { deleteItem, encBlob, nodeId, nodeItem, opId, ROOT_NODE_ID } from "./helpers/nodes.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { nodesOverHttp, type Result } from "./helpers/nodes-over-http.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());
const { commit, ok, get, eventCount, uploadChunk } = nodesOverHttp(() => server);

describe("heads written earlier in the same group (S4)", () => {
  it("name_taken.existing and conflict.head show the seq of the version written before them", async () => {
    const first = nodeItem(nodeId(), ROOT_NODE_ID, 0);
    const sameName = { ...nodeItem(nodeId(), ROOT_NODE_ID, 0), encName: first.encName };
    const stale = nodeItem(first.nodeId, ROOT_NODE_ID, 0);
    const results = (await commit([first, sameName, stale])) as (Result & { existing?: { seq: number }; head?: { seq: number } })[];
    expect(results.map((r) => r.status)).toEqual(["ok", "name_taken", "conflict"]);
    const seq = (results[0] as { seq: number }).seq;
    expect(seq).toBeGreaterThan(0);
    expect(results[1]?.existing).toMatchObject({ nodeId: first.nodeId, version: 1, seq });
    expect(results[2]?.head).toMatchObject({ nodeId: first.nodeId, version: 1, seq });
  });
});

describe("idempotent writes (S4)", () => {
  it("answers a retried operation with its original result after other commits", async () => {
    const item = nodeItem(nodeId(), ROOT_NODE_ID, 0);
    const [first] = await ok([item]);
    const update = nodeItem(item.nodeId, ROOT_NODE_ID, 1);
    await ok([update]);
    await ok([nodeItem(nodeId(), ROOT_NODE_ID, 0)]);
    const before = await eventCount();
    const [again] = await commit([item]);
    expect(again).toMatchObject({ status: "ok", code: 201, version: 1, seq: first?.seq, replayed: true });
    const [againUpdate] = await commit([update]);
    expect(againUpdate).toMatchObject({ status: "ok", version: 2, replayed: true });
    expect(await eventCount()).toBe(before);
    // The same opId for another node is a client bug, not a replay.
    expect((await commit([{ ...nodeItem(nodeId(), ROOT_NODE_ID, 0), opId: item.opId }]))[0]).toMatchObject({ status: "op_id_reused", code: 422 });
    // So is the same opId for another operation on the same node (S4): a rename under the create's id is not dropped as a replay.
    const renamed = { ...nodeItem(item.nodeId, ROOT_NODE_ID, 2), opId: item.opId };
    expect((await commit([renamed]))[0]).toMatchObject({ status: "op_id_reused", code: 422 });
    expect((await commit([{ ...item, manifest: encBlob() }]))[0]).toMatchObject({ status: "op_id_reused", code: 422 });
    expect(await eventCount()).toBe(before);
    // Changes name the operation and the machine that wrote it (S7).
    const changes = await get<{ changes: { seq: number; opId: string; machineId: string }[] }>(`/api/changes?since=${(first?.seq ?? 1) - 1}&limit=1`);
    expect(changes.changes[0]).toMatchObject({ seq: first?.seq, opId: item.opId, machineId: server.machine.machineId });
  });

  it("records nothing of an atomic batch with one bad item: the others answer aborted", async () => {
    const folder = nodeId();
    const before = await eventCount();
    const items = [nodeItem(folder, ROOT_NODE_ID, 0, [], "dir"), nodeItem(nodeId(), folder, 0), nodeItem(nodeId(), folder, 0, [hexId()]), nodeItem(nodeId(), folder, 0)];
    const results = await commit(items, true);
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ["aborted", 409],
      ["aborted", 409],
      ["missing_chunks", 424],
      ["aborted", 409],
    ]);
    expect(await eventCount()).toBe(before);
    const rows = await server.ctx.db.execute({ sql: "SELECT COUNT(*) AS n FROM tree WHERE node_id IN (?, ?)", args: [folder, items[1]?.nodeId ?? ""] });
    expect(Number(rows.rows[0]?.n)).toBe(0);
    // The same batch without the bad item records a folder with its contents in one go; its retry replays.
    const good = [items[0], items[1], items[3]] as object[];
    const recorded = await commit(good, true);
    expect(recorded.map((r) => r.status)).toEqual(["ok", "ok", "ok"]);
    expect((await commit(good, true)).map((r) => r.replayed)).toEqual([true, true, true]);
    expect(await eventCount()).toBe(before + 3);
  });

  it("makes trash and version restores safe to retry", async () => {
    const chunk = await uploadChunk();
    const file = nodeItem(nodeId(), ROOT_NODE_ID, 0, [chunk]);
    await ok([file]);
    await ok([deleteItem(file.nodeId, 1)]);
    const body = JSON.stringify({ opId: opId(), nodeId: file.nodeId, deletedVersion: 2, chunks: [chunk], original: { manifest: encBlob() }, alternative: { encName: encBlob(), manifest: encBlob() } });
    const first = await server.machineFetch("/api/trash/restore", { method: "POST", body });
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as { used: string; result: Result };
    expect(firstBody).toMatchObject({ used: "original", result: { status: "ok", version: 3 } });
    await ok([nodeItem(file.nodeId, ROOT_NODE_ID, 3, [chunk])]);
    const retry = await server.machineFetch("/api/trash/restore", { method: "POST", body });
    expect(retry.status).toBe(201);
    expect(await retry.json()).toMatchObject({ used: "original", result: { status: "ok", version: 3, seq: firstBody.result.seq, replayed: true } });
    const restoreBody = JSON.stringify({ opId: opId(), version: 1, baseVersion: 4, manifest: encBlob(), chunks: [chunk] });
    const restored = await server.machineFetch(`/api/files/${file.nodeId}/restore`, { method: "POST", body: restoreBody });
    expect(restored.status).toBe(201);
    const again = await server.machineFetch(`/api/files/${file.nodeId}/restore`, { method: "POST", body: restoreBody });
    expect(again.status).toBe(201);
    expect(await again.json()).toMatchObject({ result: { version: 5, replayed: true } });
    // The restore's opId reused for a restore of another version is refused, not replayed (S4).
    const { opId: usedId } = JSON.parse(restoreBody) as { opId: string };
    const other = await server.machineFetch(`/api/files/${file.nodeId}/restore`, {
      method: "POST",
      body: JSON.stringify({ opId: usedId, version: 4, baseVersion: 5, manifest: encBlob(), chunks: [chunk] }),
    });
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ error: { code: "op_id_reused" } });
  });
});
