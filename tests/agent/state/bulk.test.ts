// Multi-row statements (A5): many rows and keys per statement, values bound exactly, in a real SQLite file.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deleteKeys, insertRows } from "../../../lib/agent/state/bulk.ts";
import { tempDb, type TempDb } from "./temp-db.ts";

const SCHEMA = ["CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, n INTEGER NOT NULL, r REAL NOT NULL, s TEXT)"];

describe("bulk statements", () => {
  let t: TempDb;
  beforeEach(async () => {
    t = await tempDb([SCHEMA]);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it("makes nothing of no rows and no keys", () => {
    expect(insertRows("INSERT INTO t (k, n, r, s)", [])).toEqual([]);
    expect(deleteKeys("DELETE FROM t WHERE k", [])).toEqual([]);
  });

  it("splits rows and keys past the parameter limit into several statements, and stores every value exactly", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => [`key ' "${i}" ✓`, 2 ** 40 + i, 1_700_000_000_123.456 + i / 7, i % 3 === 0 ? null : `v${i}`]);
    const inserts = insertRows("INSERT OR REPLACE INTO t (k, n, r, s)", rows);
    expect(inserts.length).toBeGreaterThan(1);
    await t.db.batch(inserts, "write");
    const rs = await t.db.execute("SELECT k, n, r, s FROM t ORDER BY n");
    expect(rs.rows.length).toBe(5000);
    rs.rows.forEach((r, i) => {
      expect([r.k, Number(r.n), r.r, r.s]).toEqual(rows[i]);
    });
    // A key twice in one statement: the later row wins, as with one statement per row.
    await t.db.batch(insertRows("INSERT OR REPLACE INTO t (k, n, r, s)", [["dup", 1, 1.5, "first"], ["dup", 2, 2.5, "second"]]), "write");
    expect((await t.db.execute("SELECT n, s FROM t WHERE k = 'dup'")).rows[0]).toMatchObject({ n: 2, s: "second" });
    const keys = rows.filter((_, i) => i % 2 === 0).map((r) => r[0]!);
    const deletes = deleteKeys("DELETE FROM t WHERE k", [...keys, "absent"]);
    expect(deletes.length).toBe(1);
    await t.db.batch(deletes, "write");
    expect(Number((await t.db.execute("SELECT COUNT(*) AS n FROM t")).rows[0]!.n)).toBe(2501);
    const many = deleteKeys("DELETE FROM t WHERE k", Array.from({ length: 20_000 }, (_, i) => `x${i}`));
    expect(many.length).toBe(3);
    await t.db.batch(many, "write");
  });
});
