/**
 * Kept statements of one connection (S6): reused, bounded, dropped after a
 * failure, and the small pure parts around them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Connection, DEFAULT_STATEMENT_CACHE } from "../../lib/db/connection.ts";
import { baseCodeName, mapDriverError } from "../../lib/db/errors.ts";
import { filePath } from "../../lib/db/file-url.ts";
import { Lru } from "../../lib/db/lru.ts";
import { Pool } from "../../lib/db/pool.ts";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-db-conn-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Connection", () => {
  it("prepares a statement longer than its bound per call, and keeps shorter ones", () => {
    const connection = new Connection(join(dir, "k.db"), { timeout: 1000, statementCache: 8, keepSqlUpTo: 40 });
    try {
      connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
      const before = connection.keptStatements;
      const long = { sql: `INSERT INTO t (v) VALUES ${new Array<string>(20).fill("(?)").join(", ")}`, args: new Array<string>(20).fill("x") };
      connection.execute(long);
      connection.execute(long);
      expect(connection.keptStatements).toBe(before);
      connection.execute("SELECT COUNT(*) AS n FROM t");
      expect(connection.keptStatements).toBe(before + 1);
      expect(connection.execute("SELECT COUNT(*) AS n FROM t").rows[0]?.n).toBe(40);
    } finally {
      connection.close();
    }
  });

  it("runs its setup SQL when it opens, and fails to open when the setup fails", () => {
    const path = join(dir, "s.db");
    const connection = new Connection(path, { timeout: 1000, statementCache: 4, setup: "PRAGMA synchronous = OFF; PRAGMA cache_size = -1234;" });
    try {
      expect(connection.execute("PRAGMA synchronous").rows[0]?.synchronous).toBe(0);
      expect(connection.execute("PRAGMA cache_size").rows[0]?.cache_size).toBe(-1234);
    } finally {
      connection.close();
    }
    expect(() => new Connection(path, { timeout: 1000, statementCache: 4, setup: "NOT SQL AT ALL" })).toThrow(/syntax error/);
  });

  it("prepares a statement once and reuses it, up to the bound", () => {
    const connection = new Connection(join(dir, "c.db"), { timeout: 1000, statementCache: 4 });
    try {
      connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
      const insert = { sql: "INSERT INTO t (v) VALUES (?)", args: ["x"] };
      const before = connection.keptStatements;
      for (let i = 0; i < 100; i++) connection.execute(insert);
      expect(connection.keptStatements).toBe(before + 1);
      expect(connection.execute({ sql: "SELECT COUNT(*) AS n FROM t", args: [] }).rows[0]?.n).toBe(100);
      for (let i = 0; i < 10; i++) connection.execute(`SELECT ${i} AS v`);
      expect(connection.keptStatements).toBe(4);
      // Statements with a `*` column list are not kept.
      const kept = connection.keptStatements;
      connection.execute("SELECT * FROM t LIMIT 1");
      connection.execute("SELECT t.* FROM t LIMIT 1");
      expect(connection.keptStatements).toBe(kept);
      expect(DEFAULT_STATEMENT_CACHE).toBe(256);
    } finally {
      connection.close();
      connection.close();
    }
    expect(connection.open).toBe(false);
    expect(connection.inTransaction).toBe(false);
  });

  it("forgets a statement that failed and prepares it again", () => {
    const connection = new Connection(join(dir, "c.db"), { timeout: 1000, statementCache: 8 });
    try {
      connection.execute("CREATE TABLE u (v TEXT UNIQUE)");
      const insert = { sql: "INSERT INTO u (v) VALUES (?)", args: ["x"] };
      connection.execute(insert);
      const kept = connection.keptStatements;
      expect(() => connection.execute(insert)).toThrow(/UNIQUE/);
      expect(connection.keptStatements).toBe(kept - 1);
      expect(connection.execute({ sql: insert.sql, args: ["y"] }).rowsAffected).toBe(1);
    } finally {
      connection.close();
    }
  });
});

describe("Pool", () => {
  it("opens connections up to its bound, reuses idle ones and drops those it cannot roll back", () => {
    const pool = new Pool(join(dir, "p.db"), { timeout: 1000, statementCache: 8 }, 2);
    const a = pool.acquire();
    const b = pool.acquire();
    expect(pool.size).toBe(2);
    expect(() => pool.acquire()).toThrow(/All 2/);
    pool.release(a);
    expect(pool.acquire()).toBe(a);
    // A connection closed under a borrower is dropped when given back.
    b.close();
    pool.release(b);
    pool.release(b);
    expect(pool.size).toBe(1);
    pool.close();
    expect(() => pool.acquire()).toThrow(/closed/);
    pool.release(a);
    pool.reopen();
    const c = pool.acquire();
    expect(c).not.toBe(a);
    pool.release(c);
    pool.close();
  });
});

describe("Lru", () => {
  it("forgets the least recently used entry first", () => {
    const lru = new Lru<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1);
    lru.set("c", 3);
    expect([lru.get("a"), lru.get("b"), lru.get("c")]).toEqual([1, undefined, 3]);
    lru.set("c", 4);
    expect(lru.size).toBe(2);
    lru.delete("a");
    expect(lru.size).toBe(1);
    lru.clear();
    expect(lru.size).toBe(0);
    expect(new Lru(0).size).toBe(0);
  });
});

describe("filePath", () => {
  it("reads the path of every form of file: URL", () => {
    expect(filePath("file:/a/b.db")).toBe("/a/b.db");
    expect(filePath("file:rel.db")).toBe("rel.db");
    expect(filePath("file:///a/b%20c.db")).toBe("/a/b c.db");
    expect(filePath("file://localhost/a.db?mode=rw")).toBe("/a.db");
    expect(filePath("file:")).toBe(":memory:");
    expect(filePath("file::memory:")).toBe(":memory:");
    expect(filePath("file://")).toBe(":memory:");
    expect(() => filePath("file://host/a.db")).toThrow(/no host/);
    expect(() => filePath("libsql://x")).toThrow(/not a file/);
  });
});

describe("errors", () => {
  it("names base codes and leaves errors that are not SQLite's alone", () => {
    expect(baseCodeName(2067)).toBe("SQLITE_CONSTRAINT");
    expect(baseCodeName(undefined)).toBe("SQLITE_UNKNOWN");
    expect(baseCodeName(200)).toBe("SQLITE_UNKNOWN_200");
    const plain = new Error("x");
    expect(mapDriverError(plain)).toBe(plain);
  });
});
