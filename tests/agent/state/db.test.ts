/**
 * Which client the agent's state database gets (A5, S6): the local client
 * with kept statements, or the stock client when `SYNCAGENT_DB_CLIENT=stock`;
 * both in WAL mode at `synchronous = NORMAL` on every connection, with the
 * schemas applied.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalClient } from "../../../lib/db/client.ts";
import { openStateDb } from "../../../lib/agent/state/db.ts";

let dir: string;
const saved = process.env.SYNCAGENT_DB_CLIENT;
const SCHEMA = ["CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)"];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-state-client-"));
});

afterEach(async () => {
  if (saved === undefined) delete process.env.SYNCAGENT_DB_CLIENT;
  else process.env.SYNCAGENT_DB_CLIENT = saved;
  await rm(dir, { recursive: true, force: true });
});

describe("openStateDb client", () => {
  it.each([
    ["local", undefined, true],
    ["stock", "stock", false],
  ])("opens the file with the %s client", async (_name, env, local) => {
    if (env === undefined) delete process.env.SYNCAGENT_DB_CLIENT;
    else process.env.SYNCAGENT_DB_CLIENT = env;
    const path = join(dir, "nested", "agent.db");
    const db = await openStateDb(path, [SCHEMA]);
    try {
      expect(db instanceof LocalClient).toBe(local);
      expect((await db.execute("PRAGMA journal_mode")).rows[0]?.journal_mode).toBe("wal");
      expect((await db.execute("PRAGMA synchronous")).rows[0]?.synchronous).toBe(1);
      await db.batch([{ sql: "INSERT INTO kv (k, v) VALUES (?, ?)", args: ["a", "1"] }], "write");
      const tx = await db.transaction("write");
      try {
        await tx.execute({ sql: "INSERT INTO kv (k, v) VALUES (?, ?)", args: ["b", "2"] });
        await tx.commit();
      } finally {
        tx.close();
      }
      expect((await db.execute("SELECT k, v FROM kv ORDER BY k")).rows.map((r) => ({ ...r }))).toEqual([{ k: "a", v: "1" }, { k: "b", v: "2" }]);
    } finally {
      db.close();
    }
    const again = await openStateDb(path, [SCHEMA]);
    try {
      expect(Number((await again.execute("SELECT COUNT(*) AS n FROM kv")).rows[0]?.n)).toBe(2);
    } finally {
      again.close();
    }
  });

  it("keeps synchronous = NORMAL on a connection a transaction opens", async () => {
    delete process.env.SYNCAGENT_DB_CLIENT;
    const db = await openStateDb(join(dir, "agent.db"), [SCHEMA]);
    try {
      const tx = await db.transaction("read");
      try {
        // The plain connection is idle; a call made while the transaction is open takes another.
        expect((await tx.execute("PRAGMA synchronous")).rows[0]?.synchronous).toBe(1);
        expect((await db.execute("PRAGMA synchronous")).rows[0]?.synchronous).toBe(1);
      } finally {
        tx.close();
      }
    } finally {
      db.close();
    }
  });

  it("opens a throwaway database in memory", async () => {
    delete process.env.SYNCAGENT_DB_CLIENT;
    const db = await openStateDb(":memory:", [SCHEMA]);
    try {
      await db.execute({ sql: "INSERT INTO kv (k, v) VALUES (?, ?)", args: ["a", "1"] });
      expect(Number((await db.execute("SELECT COUNT(*) AS n FROM kv")).rows[0]?.n)).toBe(1);
    } finally {
      db.close();
    }
  });
});
