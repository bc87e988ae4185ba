import { stat } from "node:fs/promises";
import { dirname } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { str } from "../../../lib/db/row.ts";
import { openStateDb } from "../../../lib/agent/state/db.ts";
import { META_SCHEMA, MetaStore } from "../../../lib/agent/state/meta.ts";
import { QUEUE_SCHEMA } from "../../../lib/agent/state/queue.ts";
import { tempDb, type TempDb } from "./temp-db.ts";

describe("MetaStore", () => {
  let t: TempDb;
  beforeEach(async () => {
    t = await tempDb([META_SCHEMA]);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it("gets, sets, overwrites and keeps values across a restart", async () => {
    const meta = await MetaStore.open(t.db);
    expect(await meta.get("cursor")).toBeUndefined();
    await meta.set("cursor", "41");
    await meta.set("cursor", "42");
    await meta.set("paused", "");
    expect(await meta.get("cursor")).toBe("42");
    const again = await MetaStore.open(await t.reopen());
    expect(await again.get("cursor")).toBe("42");
    expect(await again.get("paused")).toBe("");
    expect(await again.get("other")).toBeUndefined();
  });
});

describe("openStateDb (A5)", () => {
  let t: TempDb;
  beforeEach(async () => {
    t = await tempDb([META_SCHEMA, QUEUE_SCHEMA]);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it("creates its private folder, uses WAL and applies every schema", async () => {
    expect((await stat(dirname(t.path))).mode & 0o777).toBe(0o700);
    const rs = await t.db.execute("PRAGMA journal_mode");
    expect(str(rs.rows[0]?.journal_mode)).toBe("wal");
    const tables = await t.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    expect(tables.rows.map((r) => str(r.name))).toEqual(["meta", "sync_queue"]);
  });

  it("reopens an existing file: schemas are idempotent, data kept", async () => {
    await (await MetaStore.open(t.db)).set("k", "v");
    await t.reopen();
    expect(await (await MetaStore.open(t.db)).get("k")).toBe("v");
  });

  it("opens a throwaway database in memory", async () => {
    const db = await openStateDb(":memory:", [META_SCHEMA]);
    try {
      const meta = await MetaStore.open(db);
      await meta.set("a", "b");
      expect(await meta.get("a")).toBe("b");
    } finally {
      db.close();
    }
  });
});
