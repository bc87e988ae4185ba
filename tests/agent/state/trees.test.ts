import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadTrees, RemoteTreeStore, SyncedTreeStore, TREES_SCHEMA } from "../../../lib/agent/state/trees.ts";
import { ROOT_NODE_ID, type RemoteNode, type SyncedNode } from "../../../lib/agent/tree/nodes.ts";
import { tempDb, type TempDb } from "./temp-db.ts";

const hex = (n: number) => n.toString(16).padStart(32, "0");

function remoteNode(i: number, changes: Partial<RemoteNode> = {}): RemoteNode {
  return {
    nodeId: hex(i),
    parentId: ROOT_NODE_ID,
    name: `file ${i} — ünïcode ✓.txt`,
    kind: "file",
    version: 3,
    hash: "ab".repeat(32),
    content: { size: 70_000, mtimeMs: 1_700_000_000_123.5, mode: 0o644, chunks: [{ id: "cd".repeat(32), size: 65_536 }, { id: "ef".repeat(32), size: 4464 }], contentHash: "12".repeat(32) },
    ...changes,
  };
}

function syncedNode(i: number, changes: Partial<SyncedNode> = {}): SyncedNode {
  const { kind: _kind, ...r } = remoteNode(i);
  return { ...r, kind: "file", stamp: { ino: 2 ** 40 + i, size: 70_000, mtimeMs: 1_700_000_000_123.5, mode: 0o100644 }, ...changes };
}

describe("tree stores (A5)", () => {
  let t: TempDb;
  beforeEach(async () => {
    t = await tempDb([TREES_SCHEMA]);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it("round-trips the remote tree, tombstones and folders included, across a restart", async () => {
    const store = await RemoteTreeStore.open(t.db);
    expect((await store.load()).size).toBe(0);
    const nodes = [
      remoteNode(1),
      remoteNode(2, { kind: "dir", name: "folder", content: { size: 0, mtimeMs: 0, mode: 0o755, chunks: [], contentHash: "" } }),
      remoteNode(3, { kind: "deleted", parentId: hex(2), version: 9 }),
    ];
    await store.write(nodes);
    const again = await RemoteTreeStore.open(await t.reopen());
    expect(new Map(await again.load())).toEqual(new Map(nodes.map((n) => [n.nodeId, n])));
  });

  it("replaces and removes remote nodes in one write, and clears", async () => {
    const store = await RemoteTreeStore.open(t.db);
    await store.write([remoteNode(1), remoteNode(2), remoteNode(3)]);
    const moved = remoteNode(1, { name: "renamed", version: 4, hash: "99".repeat(32) });
    await store.write([moved], [hex(3), hex(77)]);
    const loaded = await store.load();
    expect([...loaded.keys()].sort()).toEqual([hex(1), hex(2)]);
    expect(loaded.get(hex(1))).toEqual(moved);
    expect(loaded.has(hex(3))).toBe(false);
    await store.clear();
    expect((await store.load()).size).toBe(0);
  });

  it("round-trips the synced tree with its stamps across a restart", async () => {
    const store = await SyncedTreeStore.open(t.db);
    const nodes = [syncedNode(1), syncedNode(2, { kind: "dir", name: "d", stamp: { ino: 5, size: 0, mtimeMs: 0, mode: 0o40755 } })];
    await store.write(nodes);
    const loaded = await (await SyncedTreeStore.open(await t.reopen())).load();
    expect(new Map(loaded)).toEqual(new Map(nodes.map((n) => [n.nodeId, n])));
    expect(loaded.get(hex(2))!.stamp.ino).toBe(5);
    expect(loaded.get(hex(1))!.stamp.ino).toBe(2 ** 40 + 1);
  });

  it("writes and removes many synced nodes in batches", async () => {
    const store = await SyncedTreeStore.open(t.db);
    const many = Array.from({ length: 1200 }, (_, i) => syncedNode(i + 1));
    await store.write(many);
    expect((await store.load()).size).toBe(1200);
    await store.write([syncedNode(5000)], many.slice(0, 1100).map((n) => n.nodeId));
    const left = await store.load();
    expect(left.size).toBe(101);
    expect(left.get(hex(1151))).toEqual(many[1150]);
    expect(left.get(hex(5000))).toEqual(syncedNode(5000));
    expect(left.has(hex(1))).toBe(false);
  });

  it("keeps the two trees apart", async () => {
    const remote = await RemoteTreeStore.open(t.db);
    const synced = await SyncedTreeStore.open(t.db);
    await remote.write([remoteNode(1)]);
    expect((await synced.load()).size).toBe(0);
    await synced.write([syncedNode(2)]);
    await remote.clear();
    expect([...(await synced.load()).keys()]).toEqual([hex(2)]);
  });
});

describe("loading both trees at once (A5)", () => {
  let t: TempDb;
  beforeEach(async () => {
    t = await tempDb([TREES_SCHEMA]);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it("loads empty trees", async () => {
    const trees = await loadTrees(t.db);
    expect(trees.remote.size).toBe(0);
    expect(trees.synced.size).toBe(0);
    expect(trees.synced.revision).toBe(0);
  });

  it("loads both trees exactly; a remote node stored with its synced node's content shares that object, any other keeps its own", async () => {
    const synced = [syncedNode(1), syncedNode(2), syncedNode(3, { kind: "dir", name: "d", content: { size: 0, mtimeMs: 0, mode: 0, chunks: [], contentHash: "" } })];
    const remote = [
      remoteNode(1),
      // Same version, but content written otherwise (another mtime): not the synced node's.
      remoteNode(2, { content: { ...remoteNode(2).content, mtimeMs: 1_700_000_000_999.25 } }),
      remoteNode(3, { kind: "dir", name: "d", content: { size: 0, mtimeMs: 0, mode: 0, chunks: [], contentHash: "" } }),
      // Only on the server, and a tombstone.
      remoteNode(4, { name: 'quote " and \\ and ✓' }),
      remoteNode(5, { kind: "deleted", version: 7 }),
    ];
    await (await RemoteTreeStore.open(t.db)).write(remote);
    await (await SyncedTreeStore.open(t.db)).write(synced);
    const trees = await loadTrees(await t.reopen());
    expect(new Map(trees.remote)).toEqual(new Map(remote.map((n) => [n.nodeId, n])));
    expect(new Map(trees.synced)).toEqual(new Map(synced.map((n) => [n.nodeId, n])));
    expect(trees.synced.revision).toBe(0);
    expect(trees.remote.get(hex(1))!.content).toBe(trees.synced.get(hex(1))!.content);
    expect(trees.remote.get(hex(3))!.content).toBe(trees.synced.get(hex(3))!.content);
    expect(trees.remote.get(hex(2))!.content).not.toBe(trees.synced.get(hex(2))!.content);
    expect(trees.remote.get(hex(2))!.content.mtimeMs).toBe(1_700_000_000_999.25);
  });

  it("loads the same trees through the stock client", async () => {
    const saved = process.env.SYNCAGENT_DB_CLIENT;
    process.env.SYNCAGENT_DB_CLIENT = "stock";
    const stock = await tempDb([TREES_SCHEMA]);
    try {
      await (await RemoteTreeStore.open(stock.db)).write([remoteNode(1), remoteNode(2)]);
      await (await SyncedTreeStore.open(stock.db)).write([syncedNode(1)]);
      const trees = await loadTrees(stock.db);
      expect(new Map(trees.remote)).toEqual(new Map([remoteNode(1), remoteNode(2)].map((n) => [n.nodeId, n])));
      expect(new Map(trees.synced)).toEqual(new Map([[hex(1), syncedNode(1)]]));
      expect(trees.remote.get(hex(1))!.content).toBe(trees.synced.get(hex(1))!.content);
    } finally {
      if (saved === undefined) delete process.env.SYNCAGENT_DB_CLIENT;
      else process.env.SYNCAGENT_DB_CLIENT = saved;
      await stock.dispose();
    }
  });

  it("hands the loaded remote nodes to the store's first load only; later loads and a clear read the file", async () => {
    await (await RemoteTreeStore.open(t.db)).write([remoteNode(1)]);
    const trees = await loadTrees(t.db);
    const store = await RemoteTreeStore.open(t.db, trees.remote);
    expect(await store.load()).toBe(trees.remote);
    await store.write([remoteNode(2)]);
    expect([...(await store.load()).keys()].sort()).toEqual([hex(1), hex(2)]);
    const cleared = await RemoteTreeStore.open(t.db, trees.remote);
    await cleared.clear();
    expect((await cleared.load()).size).toBe(0);
  });
});

describe("tree stores with many nodes (A5)", () => {
  let t: TempDb;
  beforeEach(async () => {
    t = await tempDb([TREES_SCHEMA]);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it("writes and removes thousands of nodes in one write and loads them exactly (names, floats, large inodes)", async () => {
    const remote = await RemoteTreeStore.open(t.db);
    const synced = await SyncedTreeStore.open(t.db);
    const r = Array.from({ length: 3000 }, (_, i) => remoteNode(i + 1, { name: `n "${i}" 'q' \\ \n ✓`, content: { ...remoteNode(i).content, mtimeMs: 1_700_000_000_123.456 + i / 3 } }));
    const s = Array.from({ length: 3000 }, (_, i) => syncedNode(i + 1, { stamp: { ino: 2 ** 52 + i, size: i, mtimeMs: 1_699_999_999_999.999 - i / 7, mode: 0o100600 } }));
    await remote.write(r);
    await synced.write(s);
    const again = await t.reopen();
    expect(new Map(await (await RemoteTreeStore.open(again)).load())).toEqual(new Map(r.map((n) => [n.nodeId, n])));
    expect(new Map(await (await SyncedTreeStore.open(again)).load())).toEqual(new Map(s.map((n) => [n.nodeId, n])));
    const gone = s.slice(0, 2500).map((n) => n.nodeId);
    await (await SyncedTreeStore.open(again)).write([], gone);
    await (await RemoteTreeStore.open(again)).write([], gone);
    expect((await (await SyncedTreeStore.open(again)).load()).size).toBe(500);
    expect((await (await RemoteTreeStore.open(again)).load()).size).toBe(500);
  });
});
