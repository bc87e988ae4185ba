/**
 * Folders in the trash and paging over real HTTP (S5, S8): a folder deleted
 * as one entry and restored with its subtree, restore to an alternative
 * folder when the original is gone, purge of a subtree, trash pages across
 * one millisecond, a node's history across a rename and a move. One real
 * server on 127.0.0.1 for the file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withWriteTransaction } from "../../lib/server/db/tx.ts";
import { rebuildProjections } from "../../lib/server/files/rebuild.ts";
import { trimChangeLog } from "../../lib/server/files/retention.ts";
import { treeProblems } from "../../lib/server/files/tree-invariants.ts";
import { deleteItem, encBlob, nodeId, nodeItem, opId, ROOT_NODE_ID } from "./helpers/nodes.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { nodesOverHttp } from "./helpers/nodes-over-http.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());
const { commit, ok, get, eventCount, uploadChunk } = nodesOverHttp(() => server);

describe("folders in the trash (S5)", () => {
  it("deletes a folder as one entry and restores its subtree with it", async () => {
    const chunk = await uploadChunk();
    const [folder, sub, file, deep] = [nodeId(), nodeId(), nodeId(), nodeId()];
    await ok([nodeItem(folder, ROOT_NODE_ID, 0, [], "dir"), nodeItem(sub, folder, 0, [], "dir"), nodeItem(file, folder, 0, [chunk]), nodeItem(deep, sub, 0, [chunk])]);
    type Stats = { vault: { files: number; dirs: number } };
    const live = (await get<Stats>("/api/stats")).vault;
    const before = await eventCount();
    await ok([deleteItem(folder, 1)]);
    expect(await eventCount()).toBe(before + 1);
    // Its subtree is not live: not counted, not listed (unless asked for).
    expect((await get<Stats>("/api/stats")).vault).toMatchObject({ files: live.files - 2, dirs: live.dirs - 2 });
    expect((await get<{ items: unknown[] }>(`/api/tree?parentId=${folder}`)).items).toEqual([]);
    expect((await get<{ items: unknown[] }>(`/api/tree?parentId=${folder}&includeDeleted=true`)).items).toHaveLength(2);
    const trash = await get<{ items: { nodeId: string; kind: string; restoresTo: string }[] }>("/api/trash");
    expect(trash.items.filter((i) => [folder, sub, file, deep].includes(i.nodeId))).toEqual([
      expect.objectContaining({ nodeId: folder, kind: "dir", restoresTo: "original" }),
    ]);
    expect((await get<{ items: unknown[] }>(`/api/tree?parentId=${ROOT_NODE_ID}`)).items).not.toContainEqual(expect.objectContaining({ nodeId: folder }));
    expect((await commit([nodeItem(nodeId(), sub, 0)]))[0]).toMatchObject({ status: "parent_not_live" });
    const restore = await server.machineFetch("/api/trash/restore", {
      method: "POST",
      body: JSON.stringify({ opId: opId(), nodeId: folder, deletedVersion: 2, chunks: [], original: { manifest: encBlob() }, alternative: { encName: encBlob(), manifest: encBlob() } }),
    });
    expect(restore.status).toBe(201);
    expect(await restore.json()).toMatchObject({ used: "original", result: { status: "ok", version: 3 } });
    const children = await get<{ items: { nodeId: string; version: number }[] }>(`/api/tree?parentId=${folder}`);
    expect(children.items.map((i) => i.nodeId).sort()).toEqual([sub, file].sort());
    expect((await get<{ items: { nodeId: string }[] }>(`/api/tree?parentId=${sub}`)).items.map((i) => i.nodeId)).toEqual([deep]);
    await ok([nodeItem(nodeId(), sub, 0)]);
    expect((await get<Stats>("/api/stats")).vault).toMatchObject({ files: live.files + 1, dirs: live.dirs });
  });

  it("restores under the alternative folder when the original folder is gone, saying which", async () => {
    const [folder, file] = [nodeId(), nodeId()];
    const chunk = await uploadChunk();
    await ok([nodeItem(folder, ROOT_NODE_ID, 0, [], "dir"), nodeItem(file, folder, 0, [chunk])]);
    await ok([deleteItem(file, 1)]);
    await ok([deleteItem(folder, 1)]);
    const request = (alternative: object): RequestInit => ({
      method: "POST",
      body: JSON.stringify({ opId: opId(), nodeId: file, deletedVersion: 2, chunks: [chunk], original: { manifest: encBlob() }, alternative }),
    });
    const nowhere = await server.machineFetch("/api/trash/restore", request({ encName: encBlob(), manifest: encBlob() }));
    expect(nowhere.status).toBe(409);
    expect(await nowhere.json()).toMatchObject({ used: "alternative", result: { status: "parent_not_live", parent: { nodeId: folder, state: "deleted" } } });
    const atRoot = await server.machineFetch("/api/trash/restore", request({ parentId: ROOT_NODE_ID, encName: encBlob(), manifest: encBlob() }));
    expect(atRoot.status).toBe(201);
    expect(await atRoot.json()).toMatchObject({ used: "alternative", result: { status: "ok", version: 3 } });
    const { versions } = await get<{ versions: { version: number; parentId: string }[] }>(`/api/files/${file}/versions?limit=1`);
    expect(versions).toMatchObject([{ version: 3, parentId: ROOT_NODE_ID }]);
  });

  it("purges a folder's entry with its subtree's versions and unshared chunks", async () => {
    const [folder, file] = [nodeId(), nodeId()];
    const only = await uploadChunk(500);
    await ok([nodeItem(folder, ROOT_NODE_ID, 0, [], "dir"), nodeItem(file, folder, 0, [only])]);
    await ok([deleteItem(folder, 1)]);
    await withWriteTransaction(server.ctx.db, (tx) => tx.execute({ sql: "UPDATE trash SET deleted_at = deleted_at - ? WHERE node_id = ?", args: [40 * 86_400_000, folder] }));
    server.clock.advance(6 * 60_000);
    const reauth = await server.adminFetch("/api/auth/reauth", { method: "POST", body: JSON.stringify({ password: server.password }) });
    expect(reauth.status).toBe(200);
    const purge = await server.adminFetch("/api/admin/purge-trash", { method: "POST", body: JSON.stringify({ olderThanDays: 30 }) });
    expect(purge.status).toBe(200);
    expect(await purge.json()).toMatchObject({ entriesPurged: 1, chunksDeleted: 1, bytesFreed: 500 });
    expect((await server.machineFetch(`/api/files/${file}/versions`)).status).toBe(404);
    expect((await server.machineFetch(`/api/chunks/${only}`, { method: "HEAD" })).status).toBe(404);
    // The tree invariants hold (the full replay check of a folder purge is in rebuild.test.ts).
    expect(await treeProblems(server.ctx.db)).toEqual([]);
  });
});

async function purgeOld(folder: string): Promise<void> {
  await withWriteTransaction(server.ctx.db, (tx) => tx.execute({ sql: "UPDATE trash SET deleted_at = deleted_at - ? WHERE node_id = ?", args: [40 * 86_400_000, folder] }));
  server.clock.advance(6 * 60_000);
  const reauth = await server.adminFetch("/api/auth/reauth", { method: "POST", body: JSON.stringify({ password: server.password }) });
  expect(reauth.status).toBe(200);
  const purge = await server.adminFetch("/api/admin/purge-trash", { method: "POST", body: JSON.stringify({ olderThanDays: 30 }) });
  expect(purge.status).toBe(200);
}

describe("node ids of a purged subtree (S4, S5)", () => {
  it("answers invalid for an item reusing a purged descendant's id, and records the request's other items", async () => {
    const [folder, child] = [nodeId(), nodeId()];
    await ok([nodeItem(folder, ROOT_NODE_ID, 0, [], "dir"), nodeItem(child, folder, 0)]);
    await ok([deleteItem(folder, 1)]);
    await purgeOld(folder);
    const fresh = nodeId();
    const results = await commit([nodeItem(child, ROOT_NODE_ID, 0), nodeItem(fresh, ROOT_NODE_ID, 0)]);
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ["invalid", 422],
      ["ok", 201],
    ]);
    expect((results[0] as { message?: string }).message).toMatch(/purged/);
    // The same after a rebuild from the events.
    await rebuildProjections(server.ctx);
    expect((await commit([nodeItem(child, ROOT_NODE_ID, 0)]))[0]).toMatchObject({ status: "invalid" });
    expect((await get<{ items: { nodeId: string }[] }>(`/api/tree?parentId=${ROOT_NODE_ID}`)).items.map((i) => i.nodeId)).toContain(fresh);
  });
});

describe("operation ids past a purge (S4)", () => {
  it("a retried create of a purged file, or of a node purged with its folder, answers its first result", async () => {
    const [file, folder, child] = [nodeId(), nodeId(), nodeId()];
    const createFile = nodeItem(file, ROOT_NODE_ID, 0);
    const createFolder = nodeItem(folder, ROOT_NODE_ID, 0, [], "dir");
    const createChild = nodeItem(child, folder, 0);
    const first = await ok([createFile, createFolder, createChild]);
    await ok([deleteItem(file, 1), deleteItem(folder, 1)]);
    await purgeOld(file);
    await purgeOld(folder);
    expect((await server.machineFetch(`/api/files/${child}/versions`)).status).toBe(404);
    const retried = await commit([createFile, createChild]);
    expect(retried).toEqual([
      expect.objectContaining({ nodeId: file, status: "ok", version: 1, seq: first[0]?.seq, replayed: true }),
      expect.objectContaining({ nodeId: child, status: "ok", version: 1, seq: first[2]?.seq, replayed: true }),
    ]);
    // Log cleaning past them lets them go with the log.
    await trimChangeLog(server.ctx, { olderThanDays: 0, now: Date.now() + 60 * 86_400_000 });
    const kept = await server.ctx.db.execute({ sql: "SELECT COUNT(*) AS n FROM op_ids WHERE op_id IN (?, ?)", args: [createFile.opId, createChild.opId] });
    expect(Number(kept.rows[0]?.n)).toBe(0);
  });
});

describe("paging (bug 14)", () => {
  it("pages the trash across deletions of the same millisecond without skipping one", async () => {
    const files = Array.from({ length: 7 }, () => nodeItem(nodeId(), ROOT_NODE_ID, 0));
    await ok(files);
    await ok(files.map((f) => deleteItem(f.nodeId, 1)));
    const at = 4_000_000_000_000;
    await withWriteTransaction(server.ctx.db, (tx) =>
      tx.execute({ sql: `UPDATE trash SET deleted_at = ? WHERE node_id IN (${files.map(() => "?").join(", ")})`, args: [at, ...files.map((f) => f.nodeId)] }),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { nodeId: string; deletedAt: number }[]; nextCursor: string | null } = await get(`/api/trash?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.items.filter((i) => i.deletedAt === at).map((i) => i.nodeId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && seen.length < files.length);
    expect(pages).toBe(4);
    expect(seen.sort()).toEqual(files.map((f) => f.nodeId).sort());
    const bad = await server.machineFetch("/api/trash?cursor=bm90LWEtY3Vyc29y");
    expect(bad.status).toBe(422);
  });

  it("keeps one node's history across a rename and a move, paged", async () => {
    const [a, b] = [nodeId(), nodeId()];
    await ok([nodeItem(a, ROOT_NODE_ID, 0, [], "dir"), nodeItem(b, ROOT_NODE_ID, 0, [], "dir")]);
    const file = nodeId();
    const v1 = nodeItem(file, a, 0);
    const v2 = nodeItem(file, a, 1);
    const v3 = nodeItem(file, b, 2);
    await ok([v1]);
    await ok([v2]);
    await ok([v3]);
    type Page = { versions: { version: number; parentId: string; encName: string; opId: string }[]; nextBefore: number | null };
    const first = await get<Page>(`/api/files/${file}/versions?limit=2`);
    expect(first.versions.map((v) => [v.version, v.parentId, v.encName, v.opId])).toEqual([
      [3, b, v3.encName, v3.opId],
      [2, a, v2.encName, v2.opId],
    ]);
    expect(first.nextBefore).toBe(2);
    const rest = await get<Page>(`/api/files/${file}/versions?limit=2&before=2`);
    expect(rest.versions.map((v) => [v.version, v.encName])).toEqual([[1, v1.encName]]);
    expect(rest.nextBefore).toBeNull();
  });
});
