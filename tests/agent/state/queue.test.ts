import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventQueue, priorityOf, QUEUE_SCHEMA, type SyncEventType } from "../../../lib/agent/state/queue.ts";
import { tempDb, type TempDb } from "./temp-db.ts";

describe("priorityOf (A10)", () => {
  it.each<[SyncEventType, number]>([
    ["LOCAL_DELETED", 3],
    ["REMOTE_DELETED", 3],
    ["LOCAL_CREATED", 2],
    ["LOCAL_MODIFIED", 2],
    ["REMOTE_CREATED", 1],
    ["REMOTE_MODIFIED", 1],
    ["TRANSFER_COMPLETE", 0],
    ["TRANSFER_FAILED", 0],
  ])("%s → %i", (type, priority) => {
    expect(priorityOf(type)).toBe(priority);
  });
});

describe("EventQueue (A10)", () => {
  let t: TempDb;
  beforeEach(async () => {
    t = await tempDb([QUEUE_SCHEMA]);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it("starts empty", async () => {
    const q = await EventQueue.open(t.db);
    expect(q.size).toBe(0);
    expect(await q.peek()).toEqual([]);
    await q.push([]);
    expect(q.size).toBe(0);
  });

  it("keeps one pending event per path: the latest", async () => {
    const q = await EventQueue.open(t.db);
    await q.push([{ type: "LOCAL_CREATED", path: "a.txt", source: "watcher", ts: 1 }]);
    await q.push([{ type: "LOCAL_MODIFIED", path: "a.txt", source: "scan", ts: 2 }]);
    await q.push([
      { type: "REMOTE_MODIFIED", path: "b.txt", source: "server", ts: 3 },
      { type: "LOCAL_DELETED", path: "b.txt", source: "watcher", ts: 4 },
    ]);
    expect(q.size).toBe(2);
    expect(await q.peek()).toEqual([
      { type: "LOCAL_DELETED", path: "b.txt", source: "watcher", priority: 3, ts: 4 },
      { type: "LOCAL_MODIFIED", path: "a.txt", source: "scan", priority: 2, ts: 2 },
    ]);
  });

  it("orders DELETE before UPLOAD before DOWNLOAD, oldest first within one", async () => {
    const q = await EventQueue.open(t.db);
    await q.push([
      { type: "REMOTE_CREATED", path: "down-old", source: "server", ts: 10 },
      { type: "TRANSFER_COMPLETE", path: "done", source: "engine", ts: 1 },
      { type: "LOCAL_MODIFIED", path: "up-new", source: "watcher", ts: 30 },
      { type: "REMOTE_DELETED", path: "del-new", source: "server", ts: 40 },
      { type: "LOCAL_CREATED", path: "up-old", source: "watcher", ts: 20 },
      { type: "LOCAL_DELETED", path: "del-old", source: "watcher", ts: 5 },
      { type: "REMOTE_MODIFIED", path: "down-new", source: "server", ts: 50 },
    ]);
    expect((await q.peek()).map((e) => e.path)).toEqual(["del-old", "del-new", "up-old", "up-new", "down-old", "down-new", "done"]);
    expect((await q.peek(2)).map((e) => e.path)).toEqual(["del-old", "del-new"]);
  });

  it("stamps events without a time with now", async () => {
    const q = await EventQueue.open(t.db);
    const before = Date.now();
    await q.push([{ type: "LOCAL_CREATED", path: "a", source: "watcher" }]);
    const [e] = await q.peek();
    expect(e!.ts).toBeGreaterThanOrEqual(before);
    expect(e!.ts).toBeLessThanOrEqual(Date.now());
  });

  it("survives a restart", async () => {
    const q = await EventQueue.open(t.db);
    await q.push([
      { type: "LOCAL_DELETED", path: "gone", source: "watcher", ts: 1 },
      { type: "REMOTE_CREATED", path: "dir/new ✓.txt", source: "server", ts: 2 },
    ]);
    const before = await q.peek();
    const again = await EventQueue.open(await t.reopen());
    expect(again.size).toBe(2);
    expect(await again.peek()).toEqual(before);
  });

  it("settles what a pass covered, keeping failing paths and events that arrived meanwhile", async () => {
    const q = await EventQueue.open(t.db);
    await q.push([
      { type: "LOCAL_CREATED", path: "done", source: "watcher", ts: 100 },
      { type: "LOCAL_MODIFIED", path: "failing", source: "watcher", ts: 100 },
      { type: "REMOTE_MODIFIED", path: "edge", source: "server", ts: 200 },
      { type: "LOCAL_MODIFIED", path: "late", source: "watcher", ts: 201 },
    ]);
    await q.settle(200, new Set(["failing"]));
    expect(q.size).toBe(2);
    expect((await q.peek()).map((e) => e.path)).toEqual(["failing", "late"]);
    await q.settle(200);
    expect((await q.peek()).map((e) => e.path)).toEqual(["late"]);
    await q.settle(1000);
    expect(q.size).toBe(0);
    expect(await (await EventQueue.open(await t.reopen())).peek()).toEqual([]);
  });

  it("an event replacing a settled one's path after the pass started stays", async () => {
    const q = await EventQueue.open(t.db);
    await q.push([{ type: "LOCAL_CREATED", path: "a", source: "watcher", ts: 100 }]);
    await q.push([{ type: "LOCAL_MODIFIED", path: "a", source: "watcher", ts: 300 }]);
    await q.settle(200);
    expect(await q.peek()).toMatchObject([{ path: "a", type: "LOCAL_MODIFIED", ts: 300 }]);
  });

  it("handles 1,500 events in one push and one settle", async () => {
    const q = await EventQueue.open(t.db);
    const kinds: SyncEventType[] = ["LOCAL_DELETED", "LOCAL_MODIFIED", "REMOTE_CREATED"];
    const events = Array.from({ length: 1500 }, (_, i) => ({
      type: kinds[i % 3]!,
      path: `f/${i}.txt`,
      source: "scan" as const,
      ts: 1000 + i,
    }));
    await q.push(events);
    expect(q.size).toBe(1500);
    const all = await q.peek(5000);
    expect(all).toHaveLength(1500);
    expect(all.slice(0, 500).every((e) => e.type === "LOCAL_DELETED")).toBe(true);
    expect(all.slice(1000).every((e) => e.type === "REMOTE_CREATED")).toBe(true);
    expect(await q.peek()).toHaveLength(1000);
    const keep = new Set(["f/0.txt", "f/1499.txt", "f/750.txt"]);
    await q.settle(3000, keep);
    expect(q.size).toBe(3);
    expect(new Set((await q.peek()).map((e) => e.path))).toEqual(keep);
  });
});
