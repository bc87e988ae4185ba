import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RemoteTreeStore, SyncedTreeStore, TREES_SCHEMA } from "../../../lib/agent/state/trees.ts";
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
    expect(await again.load()).toEqual(new Map(nodes.map((n) => [n.nodeId, n])));
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
    expect(loaded).toEqual(new Map(nodes.map((n) => [n.nodeId, n])));
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
    expect(await (await RemoteTreeStore.open(again)).load()).toEqual(new Map(r.map((n) => [n.nodeId, n])));
    expect(await (await SyncedTreeStore.open(again)).load()).toEqual(new Map(s.map((n) => [n.nodeId, n])));
    const gone = s.slice(0, 2500).map((n) => n.nodeId);
    await (await SyncedTreeStore.open(again)).write([], gone);
    await (await RemoteTreeStore.open(again)).write([], gone);
    expect((await (await SyncedTreeStore.open(again)).load()).size).toBe(500);
    expect((await (await RemoteTreeStore.open(again)).load()).size).toBe(500);
  });
});
