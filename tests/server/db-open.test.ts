/**
 * The connection settings of the metadata database (S2): every connection
 * the client opens, including those a transaction takes while another one
 * is busy, commits at `synchronous = FULL` (an acknowledged commit is
 * durable) with foreign keys enforced, and every write transaction runs with
 * the speed settings of tuning.ts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@libsql/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../lib/server/db/open.ts";
import { withWriteTransaction } from "../../lib/server/db/tx.ts";
import { CACHE_KIB, isLocal, WAL_AUTOCHECKPOINT_PAGES } from "../../lib/server/db/tuning.ts";

const FULL = 2;

let dir: string;
let db: Client;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-db-open-"));
  db = await openDatabase({ url: `file:${join(dir, "meta.db")}` });
});

afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

/** Reads one pragma on whatever connection `exec` runs on. */
async function pragma(exec: Pick<Client, "execute">, name: string): Promise<number> {
  const result = await exec.execute(`PRAGMA ${name}`);
  return Number(Object.values(result.rows[0] ?? {})[0]);
}

describe("openDatabase", () => {
  it("runs every write transaction at synchronous FULL, on the first connection and on new ones", async () => {
    expect(await withWriteTransaction(db, (tx) => pragma(tx, "synchronous"))).toBe(FULL);
    // Read transactions holding connections make the next calls open new ones.
    const held = [await db.transaction("read"), await db.transaction("read")];
    try {
      const levels = await Promise.all([pragma(db, "synchronous"), pragma(db, "synchronous"), pragma(db, "synchronous")]);
      expect(levels).toEqual([FULL, FULL, FULL]);
      expect(await withWriteTransaction(db, (tx) => pragma(tx, "synchronous"))).toBe(FULL);
      for (const tx of held) expect(await pragma(tx, "synchronous")).toBe(FULL);
    } finally {
      for (const tx of held) tx.close();
    }
  });

  it("enforces foreign keys on every connection", async () => {
    const held = await db.transaction("read");
    try {
      expect(await pragma(held, "foreign_keys")).toBe(1);
      expect(await withWriteTransaction(db, (tx) => pragma(tx, "foreign_keys"))).toBe(1);
      await expect(
        withWriteTransaction(db, (tx) => tx.execute({ sql: "INSERT INTO vaults (id, account_id, created_at) VALUES ('v', 'no-such-account', 0)", args: [] })),
      ).rejects.toThrow(/FOREIGN KEY/);
    } finally {
      held.close();
    }
  });

  it("gives the first connection and every write transaction's connection the page cache and checkpoint settings", async () => {
    const tuned = async (exec: Pick<Client, "execute">): Promise<number[]> => [
      await pragma(exec, "cache_size"),
      await pragma(exec, "wal_autocheckpoint"),
      await pragma(exec, "temp_store"),
    ];
    const expected = [-CACHE_KIB, WAL_AUTOCHECKPOINT_PAGES, 2];
    expect(await tuned(db)).toEqual(expected);
    const held = await db.transaction("read");
    try {
      // The read transaction holds the first connection: this write runs on a new one.
      expect(await withWriteTransaction(db, (tx) => tuned(tx))).toEqual(expected);
      // A write transaction's statements still commit.
      await withWriteTransaction(db, (tx) => tx.execute({ sql: "INSERT INTO accounts (id, created_at) VALUES ('a', 1)", args: [] }));
      expect((await db.execute("SELECT COUNT(*) AS n FROM accounts")).rows[0]?.n).toBe(1);
    } finally {
      held.close();
    }
  });

  it("leaves a remote database's settings alone", () => {
    expect(isLocal({ protocol: "file" })).toBe(true);
    expect(isLocal({ protocol: "http" })).toBe(false);
    expect(isLocal({ protocol: "ws" })).toBe(false);
  });

  it("keeps the database in WAL mode", async () => {
    const result = await db.execute("PRAGMA journal_mode");
    expect(Object.values(result.rows[0] ?? {})[0]).toBe("wal");
  });
});
