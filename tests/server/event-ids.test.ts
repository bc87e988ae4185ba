/**
 * Ids of file events (S6): 32 hex characters, unique, and those of one
 * moment sharing their leading digits (the time), so a commit's ids land
 * together in the unique index on `events.id`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newEventId } from "../../lib/server/files/write-accepted.ts";
import { commitVersions } from "../../lib/server/files/commit.ts";
import { createTestActor, createTestContext, type TestServerContext } from "./helpers/context.ts";
import { versionInput } from "./helpers/context.ts";
import type { Actor } from "../../lib/server/files/actor.ts";

const ROOT = "0".repeat(32);
let t: TestServerContext;
let actor: Actor;

beforeAll(async () => {
  t = await createTestContext();
  actor = await createTestActor(t.ctx);
});

afterAll(async () => {
  await t.cleanup();
});

describe("newEventId", () => {
  it("is the time in 12 hex digits then 20 random ones", () => {
    const id = newEventId(0x0123456789ab);
    expect(id).toMatch(/^0123456789ab[0-9a-f]{20}$/);
    expect(newEventId(0)).toMatch(/^0{12}[0-9a-f]{20}$/);
    expect(newEventId(1.7)).toMatch(/^0{11}1[0-9a-f]{20}$/);
    expect(newEventId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it("orders ids of later moments after earlier ones and does not repeat", () => {
    const ids = Array.from({ length: 10_000 }, () => newEventId(1_800_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect(newEventId(1_800_000_000_001) > (ids.sort().at(-1) as string)).toBe(true);
  });

  it("is what a commit's events carry, distinct per version", async () => {
    const before = Date.now();
    const items = Array.from({ length: 50 }, () => versionInput(crypto.randomUUID().replaceAll("-", ""), ROOT, 0, [], "dir"));
    const results = await commitVersions(t.ctx, actor, items);
    expect(results.every((r) => r.status === "ok")).toBe(true);
    const rows = await t.ctx.db.execute({ sql: "SELECT id, ts FROM events WHERE vault_id = ? ORDER BY seq", args: [actor.vaultId] });
    const ids = rows.rows.map((r) => r.id as string);
    expect(new Set(ids).size).toBe(50);
    for (const row of rows.rows) {
      const id = row.id as string;
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      const ms = parseInt(id.slice(0, 12), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBe(Number(row.ts));
    }
  });
});
