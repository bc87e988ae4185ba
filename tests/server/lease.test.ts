/**
 * Leases in the database (S6): two runs never hold one lease at once, a
 * dead holder's lease is taken once it expires, and the trash purge and
 * the change-log cleaning run under theirs: the admin route answers 409
 * while another process purges, and the daily maintenance skips a step
 * another process is running but does the rest. Runs on PostgreSQL too.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { str } from "../../lib/db/row.ts";
import { LeaseHeldError, releaseLease, renewLease, tryAcquireLease, withLease } from "../../lib/server/db/lease.ts";
import { TRASH_PURGE_LEASE } from "../../lib/server/files/purge.ts";
import { CHANGE_LOG_LEASE } from "../../lib/server/files/retention.ts";
import { runDailyMaintenance } from "../../lib/server/maintenance.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let a: TestServer;
let b: TestServer;
beforeEach(async () => {
  a = await startTestServer();
  b = await startTestServer({ dataDir: a.dataDir, setup: false });
});
afterEach(async () => {
  await b.close();
  await a.close();
});

const MINUTE = 60_000;

async function holder(server: TestServer, name: string): Promise<string | undefined> {
  const row = (await server.ctx.db.execute({ sql: "SELECT holder FROM leases WHERE name = ?", args: [name] })).rows[0];
  return row === undefined ? undefined : str(row.holder);
}

describe("a lease shared by two server processes", () => {
  it("goes to one taker at a time; its holder renews it; after it expires another takes it and the old holder cannot renew", async () => {
    const now = Date.now();
    expect(await tryAcquireLease(a.ctx.db, "job", "token-a", MINUTE, now)).toBe(true);
    expect(await tryAcquireLease(b.ctx.db, "job", "token-b", MINUTE, now + 1)).toBe(false);
    expect(await tryAcquireLease(a.ctx.db, "job", "token-a", MINUTE, now + 2)).toBe(true);
    expect(await renewLease(a.ctx.db, { name: "job", token: "token-a" }, MINUTE, now + 3)).toBe(true);
    expect(await holder(b, "job")).toBe("token-a");
    // A dies holding it: once it expires, B takes it, and A's late renewal fails.
    expect(await tryAcquireLease(b.ctx.db, "job", "token-b", MINUTE, now + 3 + MINUTE)).toBe(true);
    expect(await renewLease(a.ctx.db, { name: "job", token: "token-a" }, MINUTE, now + 4 + MINUTE)).toBe(false);
    // A's release does not free B's lease; B's does.
    await releaseLease(a.ctx.db, { name: "job", token: "token-a" });
    expect(await holder(a, "job")).toBe("token-b");
    await releaseLease(b.ctx.db, { name: "job", token: "token-b" });
    expect(await holder(a, "job")).toBeUndefined();
  });

  it("runs one of two concurrent runs of one job; the other is refused naming the holder, and the lease is free after, even when the work fails", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let running = 0;
    const first = withLease(a.ctx.db, "job", async () => {
      running++;
      await gate;
      return "done";
    });
    await expect.poll(() => running).toBe(1);
    const refused = await withLease(b.ctx.db, "job", () => Promise.resolve(running++)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LeaseHeldError);
    expect(refused).toMatchObject({ status: 409, code: "maintenance_running", lease: "job" });
    expect((refused as Error).message).toMatch(/job is already running \(.+ pid \d+\)/);
    release();
    expect(await first).toBe("done");
    expect(running).toBe(1);
    await expect(withLease(b.ctx.db, "job", () => Promise.reject(new Error("disk on fire")))).rejects.toThrow("disk on fire");
    expect(await holder(a, "job")).toBeUndefined();
  });

  it("renews a lease while long work runs, so no other run takes it meanwhile", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const work = withLease(a.ctx.db, "slow", () => gate, { ttlMs: 300 });
    await expect.poll(async () => holder(b, "slow")).toBeDefined();
    const firstExpiry = Number((await a.ctx.db.execute({ sql: "SELECT expires_at FROM leases WHERE name = 'slow'" })).rows[0]?.expires_at);
    // Renewed at least once past its first lifetime, and still refused to others.
    await expect.poll(async () => Number((await a.ctx.db.execute({ sql: "SELECT expires_at FROM leases WHERE name = 'slow'" })).rows[0]?.expires_at), { timeout: 5000 }).toBeGreaterThan(firstExpiry);
    await expect(withLease(b.ctx.db, "slow", () => Promise.resolve())).rejects.toBeInstanceOf(LeaseHeldError);
    release();
    await work;
  });
});

describe("maintenance under its leases", () => {
  it("answers 409 to an admin purge while another process holds the purge lease, and purges once it is free", async () => {
    expect(await tryAcquireLease(b.ctx.db, TRASH_PURGE_LEASE, "other-process", MINUTE, Date.now())).toBe(true);
    const refused = await a.adminFetch("/api/admin/purge-trash", { method: "POST", body: JSON.stringify({ olderThanDays: 0 }) });
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("maintenance_running");
    expect(body.error.message).toMatch(/trash purge is already running/);
    await releaseLease(b.ctx.db, { name: TRASH_PURGE_LEASE, token: "other-process" });
    const purged = await a.adminFetch("/api/admin/purge-trash", { method: "POST", body: JSON.stringify({ olderThanDays: 0 }) });
    expect(purged.status).toBe(200);
  });

  it("skips the step another process is running and still does the other", async () => {
    expect(await tryAcquireLease(b.ctx.db, TRASH_PURGE_LEASE, "other-process", MINUTE, Date.now())).toBe(true);
    await runDailyMaintenance(a.ctx);
    // The cleaning ran (it took and gave back its lease); the purge lease is untouched.
    expect(await holder(a, TRASH_PURGE_LEASE)).toBe("other-process");
    expect(await holder(a, CHANGE_LOG_LEASE)).toBeUndefined();
    await expect.poll(async () => (await import("node:fs/promises")).readFile(a.logFile, "utf8"), { timeout: 5000 }).toMatch(/daily maintenance step skipped/);
  });
});
