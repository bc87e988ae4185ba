import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backoffMs, DEFAULT_RETRY, FAILURES_SCHEMA, FailureStore, isOutOfSpace } from "../../../lib/agent/state/failures.ts";
import { tempDb, type TempDb } from "./temp-db.ts";

describe("backoffMs (A7)", () => {
  it("doubles from 1 s up to 60 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffMs(n))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it("follows another policy", () => {
    const policy = { maxRetries: 3, initialMs: 10, maxMs: 35 };
    expect([1, 2, 3, 4].map((n) => backoffMs(n, policy))).toEqual([10, 20, 35, 35]);
  });

  it("never goes below the first delay", () => {
    expect(backoffMs(0)).toBe(1000);
  });
});

describe("FailureStore (A7, E4)", () => {
  let t: TempDb;
  beforeEach(async () => {
    t = await tempDb([FAILURES_SCHEMA]);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it("schedules each retry further out and blocks the path until then", async () => {
    const store = await FailureStore.open(t.db);
    const now = 1_000_000;
    const first = await store.fail("a.txt", "n1", "disk full", now);
    expect(first).toEqual({ path: "a.txt", nodeId: "n1", attempts: 1, nextAt: now + 1000, error: "disk full", dead: false });
    expect(store.blocked("a.txt", now + 999)).toBe(true);
    expect(store.blocked("a.txt", now + 1000)).toBe(false);
    expect(store.blocked("other.txt", now)).toBe(false);
    expect([store.has("a.txt"), store.has("other.txt")]).toEqual([true, false]);
    const delays: number[] = [];
    for (let i = 2; i <= 5; i++) delays.push((await store.fail("a.txt", "n1", "disk full", now)).nextAt - now);
    expect(delays).toEqual([2000, 4000, 8000, 16_000]);
    expect(store.nextRetryAt()).toBe(now + 16_000);
  });

  it("makes a dead letter past maxRetries: blocked whatever the time, no retry scheduled", async () => {
    const store = await FailureStore.open(t.db);
    let last;
    for (let i = 1; i <= DEFAULT_RETRY.maxRetries; i++) {
      last = await store.fail("bad", null, "refused", 0);
      expect(last.dead).toBe(false);
    }
    last = await store.fail("bad", null, "refused", 0);
    expect(last).toMatchObject({ attempts: DEFAULT_RETRY.maxRetries + 1, dead: true });
    expect(store.blocked("bad", Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(store.nextRetryAt()).toBeNull();
  });

  it("never gives up on a full disk: past maxRetries it waits the longest delay, and comes back after a reopen", async () => {
    const store = await FailureStore.open(t.db);
    let last;
    for (let i = 1; i <= DEFAULT_RETRY.maxRetries + 3; i++) last = await store.fail("big.bin", "n", "ENOSPC: no space left on device, write", 0, { keepTrying: true });
    expect(last).toMatchObject({ attempts: DEFAULT_RETRY.maxRetries + 3, dead: false, nextAt: 60_000 });
    expect(store.blocked("big.bin", 60_000)).toBe(false);
    const again = await FailureStore.open(await t.reopen());
    expect(again.list()).toEqual([expect.objectContaining({ path: "big.bin", dead: false })]);
  });

  it("makes waiting retries due at once for a sync run by hand, and leaves dead letters dead", async () => {
    const store = await FailureStore.open(t.db, { maxRetries: 1, initialMs: 10_000, maxMs: 10_000 });
    await store.fail("waits", null, "x", 0);
    await store.fail("dead", null, "x", 0);
    await store.fail("dead", null, "x", 0);
    const before = store.revision;
    expect(await store.retryWaiting(5)).toBe(1);
    expect(store.revision).toBeGreaterThan(before);
    expect([store.blocked("waits", 5), store.blocked("dead", 5)]).toEqual([false, true]);
    expect(await store.retryWaiting(5)).toBe(0);
    const again = await FailureStore.open(await t.reopen());
    expect(again.blocked("waits", 5)).toBe(false);
  });

  it("tells a full disk or quota from other failures", () => {
    const coded = Object.assign(new Error("write failed"), { code: "ENOSPC" });
    expect([coded, new Error("EDQUOT: quota exceeded"), new Error("ENOSPC: no space left on device, write"), new Error("EACCES: permission denied"), new Error("corrupt chunk")].map(isOutOfSpace)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it("honours a shorter policy", async () => {
    const store = await FailureStore.open(t.db, { maxRetries: 1, initialMs: 5, maxMs: 5 });
    expect((await store.fail("p", null, "x", 0)).dead).toBe(false);
    expect((await store.fail("p", null, "x", 0)).dead).toBe(true);
  });

  it("reports the earliest retry among live failures", async () => {
    const store = await FailureStore.open(t.db, { maxRetries: 1, initialMs: 1000, maxMs: 60_000 });
    expect(store.nextRetryAt()).toBeNull();
    await store.fail("dead", null, "x", 0);
    await store.fail("dead", null, "x", 0);
    await store.fail("late", null, "x", 5000);
    await store.fail("soon", null, "x", 100);
    expect(store.nextRetryAt()).toBe(1100);
  });

  it("is persisted across a restart", async () => {
    const store = await FailureStore.open(t.db);
    await store.fail("a.txt", "n1", "one", 10);
    await store.fail("a.txt", "n1", "two", 20);
    await store.fail("dir/ü.txt", null, "three", 30);
    for (let i = 0; i < 6; i++) await store.fail("dead.bin", "n3", "gone", 40);
    const again = await FailureStore.open(await t.reopen());
    const byPath = new Map(again.list().map((f) => [f.path, f]));
    expect(byPath.get("a.txt")).toEqual({ path: "a.txt", nodeId: "n1", attempts: 2, nextAt: 2020, error: "two", dead: false });
    expect(byPath.get("dir/ü.txt")).toEqual({ path: "dir/ü.txt", nodeId: null, attempts: 1, nextAt: 1030, error: "three", dead: false });
    expect(byPath.get("dead.bin")).toMatchObject({ attempts: 6, dead: true });
    expect(again.blocked("dead.bin", Date.now())).toBe(true);
    // The count goes on from what was stored.
    expect((await again.fail("a.txt", "n1", "four", 50)).attempts).toBe(3);
  });

  it("clear gives a path a fresh start, and is persisted", async () => {
    const store = await FailureStore.open(t.db);
    await store.fail("a", null, "x", 0);
    await store.fail("a", null, "x", 0);
    await store.fail("b", null, "x", 0);
    await store.clear("a");
    await store.clear("never-failed");
    expect(store.blocked("a", 0)).toBe(false);
    expect(store.list().map((f) => f.path)).toEqual(["b"]);
    expect((await FailureStore.open(await t.reopen())).list().map((f) => f.path)).toEqual(["b"]);
    const again = await FailureStore.open(t.db);
    expect((await again.fail("a", null, "x", 0)).attempts).toBe(1);
  });

  it("retryAll re-queues every failing path and dead letter", async () => {
    const store = await FailureStore.open(t.db, { maxRetries: 0, initialMs: 1000, maxMs: 1000 });
    await store.fail("dead-1", null, "x", 0);
    await store.fail("dead-2", null, "x", 0);
    expect(store.blocked("dead-1", 10_000)).toBe(true);
    expect(await store.retryAll()).toBe(2);
    expect(store.list()).toEqual([]);
    expect(store.blocked("dead-1", 0)).toBe(false);
    expect((await FailureStore.open(await t.reopen())).list()).toEqual([]);
  });

  it("counts its changes and tells when a retry came due in a span of time (A5)", async () => {
    const store = await FailureStore.open(t.db, { maxRetries: 1, initialMs: 1000, maxMs: 1000 });
    expect(store.revision).toBe(0);
    await store.fail("p", null, "x", 0);
    expect(store.revision).toBe(1);
    expect([store.dueBetween(0, 999), store.dueBetween(0, 1000), store.dueBetween(1000, 5000)]).toEqual([false, true, false]);
    await store.clear("other");
    expect(store.revision).toBe(1);
    await store.fail("p", null, "x", 0);
    expect(store.revision).toBe(2);
    expect(store.dueBetween(0, 5000)).toBe(false); // a dead letter never comes due
    await store.clear("p");
    expect(store.revision).toBe(3);
    await store.retryAll();
    expect(store.revision).toBe(3);
    await store.fail("q", null, "x", 0);
    await store.retryAll();
    expect(store.revision).toBe(5);
  });
});
