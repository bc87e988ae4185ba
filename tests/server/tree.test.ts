/**
 * The tree of nodes over real HTTP (S4, A5): moves and renames as one item
 * whatever lies below, a file's chunks kept across a rename, parents that
 * must be live folders, cycles and taken names refused, kinds that never
 * change, base64url names. One real server on 127.0.0.1 for the file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteItem, nodeId, nodeItem, ROOT_NODE_ID } from "./helpers/nodes.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { nodesOverHttp } from "./helpers/nodes-over-http.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());
const { commit, ok, get, eventCount, uploadChunk } = nodesOverHttp(() => server);

describe("moves and renames (S4, A5)", () => {
  it("renames and moves a folder with 10,000 descendants as one item and one event", async () => {
    const [folder, target] = [nodeId(), nodeId()];
    await ok([nodeItem(folder, ROOT_NODE_ID, 0, [], "dir"), nodeItem(target, ROOT_NODE_ID, 0, [], "dir")]);
    const subfolders = Array.from({ length: 100 }, () => nodeId());
    await ok(subfolders.map((id) => nodeItem(id, folder, 0, [], "dir")));
    const files: string[] = [];
    for (let i = 0; i < 10; i++) {
      const batch = Array.from({ length: 990 }, (_, j) => nodeItem(nodeId(), subfolders[(i * 990 + j) % 100] ?? folder, 0));
      files.push(...batch.map((b) => b.nodeId));
      await ok(batch);
    }
    expect(subfolders.length + files.length).toBe(10_000);
    const before = await eventCount();
    const rename = nodeItem(folder, target, 1, [], "dir");
    const [moved] = await ok([rename]);
    expect(moved).toMatchObject({ nodeId: folder, version: 2 });
    expect(await eventCount()).toBe(before + 1);
    // Nothing below it changed: every descendant is still at version 1, under its own parent.
    const rows = await server.ctx.db.execute({
      sql: "SELECT COUNT(*) AS n FROM tree WHERE head_version = 1 AND parent_id IN (SELECT node_id FROM tree WHERE parent_id = ?)",
      args: [folder],
    });
    expect(Number(rows.rows[0]?.n)).toBe(files.length);
    const inTarget = await get<{ items: { nodeId: string; encName: string }[] }>(`/api/tree?parentId=${target}`);
    expect(inTarget.items).toEqual([expect.objectContaining({ nodeId: folder, encName: rename.encName })]);
    // The descendants are live where the folder went: a file can be added under a subfolder.
    await ok([nodeItem(nodeId(), subfolders[0] ?? "", 0)]);
  }, 60_000);

  it("keeps a file's chunks when a rename or move omits them, also within one request", async () => {
    const [folder, chunk] = [nodeId(), await uploadChunk(300)];
    const file = nodeItem(nodeId(), ROOT_NODE_ID, 0, [chunk]);
    await ok([nodeItem(folder, ROOT_NODE_ID, 0, [], "dir"), file]);
    const { chunks: _omitted, ...renamed } = nodeItem(file.nodeId, ROOT_NODE_ID, 1);
    const { chunks: _again, ...moved } = nodeItem(file.nodeId, folder, 2);
    await ok([renamed, moved]);
    type Page = { versions: { version: number; chunks: string[]; size: number; parentId: string }[] };
    const { versions } = await get<Page>(`/api/files/${file.nodeId}/versions`);
    expect(versions.map((v) => [v.version, v.chunks, v.size, v.parentId])).toEqual([
      [3, [chunk], 300, folder],
      [2, [chunk], 300, ROOT_NODE_ID],
      [1, [chunk], 300, ROOT_NODE_ID],
    ]);
    // An explicit empty list is an empty file.
    await ok([nodeItem(file.nodeId, folder, 3, [])]);
    expect((await get<Page>(`/api/files/${file.nodeId}/versions?limit=1`)).versions[0]).toMatchObject({ chunks: [], size: 0 });
  });

  it("refuses a move that would make a cycle (409 cycle)", async () => {
    const [a, b, c] = [nodeId(), nodeId(), nodeId()];
    await ok([nodeItem(a, ROOT_NODE_ID, 0, [], "dir"), nodeItem(b, a, 0, [], "dir"), nodeItem(c, b, 0, [], "dir")]);
    const before = await eventCount();
    const results = await commit([nodeItem(a, c, 1, [], "dir"), nodeItem(a, a, 1, [], "dir"), nodeItem(b, b, 1, [], "dir")]);
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ["cycle", 409],
      ["cycle", 409],
      ["cycle", 409],
    ]);
    expect(await eventCount()).toBe(before);
    // Moving the deepest one up is fine.
    await ok([nodeItem(c, ROOT_NODE_ID, 1, [], "dir")]);
  });

  it("answers a second creation of a live name in a folder with 409 name_taken and the existing node", async () => {
    const folder = nodeId();
    await ok([nodeItem(folder, ROOT_NODE_ID, 0, [], "dir")]);
    const first = nodeItem(nodeId(), folder, 0, [], "dir");
    await ok([first]);
    const second = { ...nodeItem(nodeId(), folder, 0, [], "dir"), encName: first.encName };
    const [taken] = await commit([second]);
    expect(taken).toMatchObject({ status: "name_taken", code: 409, existing: { nodeId: first.nodeId, version: 1, kind: "dir" } });
    // A rename onto a taken name is refused the same way; after the holder moves away the name is free.
    const other = nodeItem(nodeId(), folder, 0);
    await ok([other]);
    const [renamed] = await commit([{ ...nodeItem(other.nodeId, folder, 1), encName: first.encName }]);
    expect(renamed).toMatchObject({ status: "name_taken", existing: { nodeId: first.nodeId } });
    await ok([nodeItem(first.nodeId, ROOT_NODE_ID, 1, [], "dir")]);
    await ok([second]);
  });

  it("refuses a commit under a deleted folder (409 parent_not_live) and under a missing one", async () => {
    const [folder, sub] = [nodeId(), nodeId()];
    await ok([nodeItem(folder, ROOT_NODE_ID, 0, [], "dir"), nodeItem(sub, folder, 0, [], "dir")]);
    await ok([deleteItem(folder, 1)]);
    const results = await commit([nodeItem(nodeId(), folder, 0), nodeItem(nodeId(), sub, 0), nodeItem(nodeId(), nodeId(), 0)]);
    expect(results).toMatchObject([
      { status: "parent_not_live", code: 409, parent: { nodeId: folder, state: "deleted" } },
      { status: "parent_not_live", code: 409, parent: { nodeId: sub, state: "inside_deleted" } },
      { status: "parent_not_live", code: 409, parent: { state: "missing" } },
    ]);
    // A node inside the deleted folder can be neither changed nor deleted on its own.
    const [inside] = await commit([deleteItem(sub, 1)]);
    expect(inside).toMatchObject({ status: "parent_not_live" });
    // A file is not a folder.
    const file = nodeItem(nodeId(), ROOT_NODE_ID, 0);
    await ok([file]);
    expect((await commit([nodeItem(nodeId(), file.nodeId, 0)]))[0]).toMatchObject({ status: "parent_not_live", parent: { state: "not_folder" } });
  });

  it("refuses turning a file into a folder: delete it and create a new node, atomically", async () => {
    const file = nodeItem(nodeId(), ROOT_NODE_ID, 0);
    await ok([file]);
    expect((await commit([nodeItem(file.nodeId, ROOT_NODE_ID, 1, [], "dir")]))[0]).toMatchObject({ status: "invalid", code: 422 });
    const folder = { ...nodeItem(nodeId(), ROOT_NODE_ID, 0, [], "dir"), encName: file.encName };
    const results = await commit([deleteItem(file.nodeId, 1), folder], true);
    expect(results.map((r) => r.status)).toEqual(["ok", "ok"]);
    const trash = await get<{ items: { nodeId: string; kind: string }[] }>("/api/trash");
    expect(trash.items).toContainEqual(expect.objectContaining({ nodeId: file.nodeId, kind: "file" }));
  });

  it("accepts base64url names and manifests as clients produce them, and refuses standard base64 (bug 14)", async () => {
    const item = { ...nodeItem(nodeId(), ROOT_NODE_ID, 0), encName: "ab-_cd-_".repeat(75), manifest: "Zm9v-_8" };
    expect(item.encName).toHaveLength(600);
    await ok([item]);
    for (const encName of ["ab+/cd==", "a".repeat(601)]) {
      const res = await server.machineFetch("/api/commits", { method: "POST", body: JSON.stringify({ items: [{ ...nodeItem(nodeId(), ROOT_NODE_ID, 0), encName }] }) });
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request", issues: [{ path: "body.items.0.encName" }] } });
    }
  });
});
