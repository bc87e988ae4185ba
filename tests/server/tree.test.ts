/**
 * The tree of nodes over real HTTP (S4, S5, S7, S8, E1, E5): moves and
 * renames as one item, parents that must be live folders, cycles and taken
 * names refused, folders deleted and restored as a whole, idempotent
 * operations, atomic commits, base64url names, and version history across
 * a rename. One real server on 127.0.0.1 for the whole file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withWriteTransaction } from "../../lib/server/db/tx.ts";
import { treeProblems } from "../../lib/server/files/tree-invariants.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { hexId } from "./helpers/context.ts";
import { deleteItem, encBlob, nodeId, nodeItem, opId, ROOT_NODE_ID } from "./helpers/nodes.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

interface Result {
  nodeId: string;
  opId: string;
  status: string;
  code: number;
  version?: number;
  seq?: number;
  replayed?: boolean;
  existing?: { nodeId: string };
  parent?: { nodeId: string; state: string };
  head?: { version: number };
}

async function commit(items: object[], atomic?: boolean): Promise<Result[]> {
  const res = await server.machineFetch("/api/commits", { method: "POST", body: JSON.stringify(atomic === undefined ? { items } : { items, atomic }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: Result[] }).results;
}

async function ok(items: object[]): Promise<Result[]> {
  const results = await commit(items);
  expect(results.map((r) => [r.status, r.code])).toEqual(items.map(() => ["ok", 201]));
  return results;
}

async function get<T>(path: string): Promise<T> {
  const res = await server.machineFetch(path);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function eventCount(): Promise<number> {
  const n = await server.ctx.db.execute("SELECT COUNT(*) AS n FROM events");
  return Number(n.rows[0]?.n);
}

async function uploadChunk(size = 64): Promise<string> {
  const id = hexId();
  const put = await server.machineFetch(`/api/chunks/${id}`, { method: "PUT", body: crypto.getRandomValues(new Uint8Array(size)) });
  expect(put.status).toBe(201);
  return id;
}

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
    expect((await commit([{ ...nodeItem(nodeId(), ROOT_NODE_ID, 0), opId: item.opId }]))[0]).toMatchObject({ status: "invalid" });
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
  });
});

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
    await withWriteTransaction(server.ctx.db, (tx) => tx.execute({ sql: "UPDATE trash SET deleted_at = deleted_at - 40 * 86400000 WHERE node_id = ?", args: [folder] }));
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
