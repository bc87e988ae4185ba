/**
 * The local SQLite client (S6): results, errors and transactions as the
 * stock client's, with its prepared statements kept. Real SQLite files in
 * temporary folders.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LibsqlBatchError, LibsqlError, type Client } from "@libsql/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalClient, beginStatement } from "../../lib/db/client.ts";

let dir: string;
let db: LocalClient;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-db-client-"));
  db = new LocalClient({ path: join(dir, "t.db"), timeout: 3000 });
  await db.execute("PRAGMA journal_mode = WAL");
  await db.executeMultiple("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, data BLOB); CREATE TABLE c (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id))");
});

afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

async function count(client: Pick<Client, "execute">): Promise<number> {
  return (await client.execute("SELECT COUNT(*) AS n FROM t")).rows[0]?.n as number;
}

async function failure(promise: Promise<unknown>): Promise<LibsqlError> {
  try {
    await promise;
  } catch (error) {
    return error as LibsqlError;
  }
  throw new Error("expected a rejection");
}

describe("LocalClient results", () => {
  it("returns rows with named columns, indexes and a length, and write results with rowsAffected and a bigint rowid", async () => {
    const inserted = await db.execute({ sql: "INSERT INTO t (name) VALUES (?), (?)", args: ["a", "b"] });
    expect(inserted.rowsAffected).toBe(2);
    expect(inserted.lastInsertRowid).toBe(2n);
    expect(inserted.columns).toEqual([]);
    const rs = await db.execute("SELECT id, name, data FROM t ORDER BY id");
    expect(rs.columns).toEqual(["id", "name", "data"]);
    expect(rs.columnTypes).toEqual(["INTEGER", "TEXT", "BLOB"]);
    expect(rs.rowsAffected).toBe(0);
    expect(rs.lastInsertRowid).toBeUndefined();
    const row = rs.rows[0]!;
    expect(row).toEqual({ id: 1, name: "a", data: null });
    expect([row[0], row[1], row.length]).toEqual([1, "a", 3]);
    expect(Object.keys(row)).toEqual(["id", "name", "data"]);
    expect(JSON.parse(JSON.stringify(rs))).toEqual({
      columns: ["id", "name", "data"],
      columnTypes: ["INTEGER", "TEXT", "BLOB"],
      rows: [
        [1, "a", null],
        [2, "b", null],
      ],
      rowsAffected: 0,
      lastInsertRowid: null,
    });
    expect((JSON.parse(JSON.stringify(inserted)) as { lastInsertRowid: string }).lastInsertRowid).toBe("2");
  });

  it("keeps the first of duplicate column names and leaves `length` and index-like names to the row", async () => {
    const rs = await db.execute("SELECT 1 AS x, 2 AS x, 3 AS length, 4 AS \"0\", 5 AS \"7\"");
    const row = rs.rows[0]!;
    expect(Object.keys(row).sort()).toEqual(["7", "x"]);
    expect(row.x).toBe(1);
    expect(row.length).toBe(5);
    expect(row[0]).toBe(1);
    expect(row[7]).toBe(5);
  });

  it("binds named arguments with any prefix, booleans, dates and bigints, and refuses undefined and non-finite numbers", async () => {
    await db.execute({ sql: "INSERT INTO t (id, name) VALUES (:id, $name)", args: { id: 5n, $name: "n" } });
    await db.execute({ sql: "INSERT INTO t (id, name) VALUES (@id, :name)", args: { "@id": true, name: "m" } });
    await db.execute("INSERT INTO t (id, name) VALUES (?, ?)", [new Date(7), "d"]);
    expect((await db.execute("SELECT id FROM t ORDER BY id")).rows.map((r) => r.id)).toEqual([1, 5, 7]);
    expect((await db.execute({ sql: "SELECT ? AS f", args: [false] })).rows[0]?.f).toBe(0);
    await expect(db.execute({ sql: "SELECT ?", args: [undefined as unknown as null] })).rejects.toThrow(TypeError);
    await expect(db.execute({ sql: "SELECT ?", args: [Number.NaN] })).rejects.toThrow(RangeError);
    await expect(db.execute({ sql: "SELECT ?", args: [2n ** 63n] })).rejects.toThrow(RangeError);
    await expect(db.execute("SELECT 9007199254740993 AS big")).rejects.toThrow(RangeError);
    expect((await db.execute({ sql: "SELECT ? AS b", args: [9007199254740991n] })).rows[0]?.b).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("round-trips BLOBs given as Uint8Array or ArrayBuffer, returned as ArrayBuffers", async () => {
    const bytes = new Uint8Array([0, 1, 2, 254, 255]);
    const sliced = new Uint8Array([9, 9, 7, 8, 9]).subarray(2, 4);
    await db.execute({ sql: "INSERT INTO t (name, data) VALUES ('u', ?), ('a', ?), ('s', ?)", args: [bytes, bytes.buffer, sliced] });
    const rs = await db.execute("SELECT name, data FROM t ORDER BY id");
    for (const row of rs.rows.slice(0, 2)) {
      expect(row.data).toBeInstanceOf(ArrayBuffer);
      expect([...new Uint8Array(row.data as ArrayBuffer)]).toEqual([0, 1, 2, 254, 255]);
    }
    expect([...new Uint8Array(rs.rows[2]?.data as ArrayBuffer)]).toEqual([7, 8]);
    expect((JSON.parse(JSON.stringify(rs)) as { rows: unknown[][] }).rows[0]?.[1]).toBe("AAEC/v8=");
  });

  it("reports SQLite errors with the stock codes", async () => {
    await db.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["a"] });
    const unique = await failure(db.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["a"] }));
    expect(unique).toBeInstanceOf(LibsqlError);
    expect(unique.code).toBe("SQLITE_CONSTRAINT");
    expect(unique.extendedCode).toBe("SQLITE_CONSTRAINT_UNIQUE");
    expect(unique.rawCode).toBe(2067);
    expect(unique.message).toMatch(/UNIQUE constraint failed: t.name/);
    expect((unique.cause as Error).name).toBe("SqliteError");
    const pk = await failure(db.execute({ sql: "INSERT INTO t (id, name) VALUES (1, 'z')" }));
    expect([pk.code, pk.extendedCode]).toEqual(["SQLITE_CONSTRAINT", "SQLITE_CONSTRAINT_PRIMARYKEY"]);
    const syntax = await failure(db.execute("SELEC 1"));
    expect(syntax.code).toBe("SQLITE_ERROR");
    const script = await failure(db.executeMultiple("INSERT INTO t (name) VALUES ('a')"));
    expect(script.code).toBe("SQLITE_CONSTRAINT");
    // The statement that failed works again.
    await db.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["b"] });
    expect(await count(db)).toBe(2);
  });

  it("prepares a statement with a `*` column list at every call, so its columns follow the schema", async () => {
    await db.execute("INSERT INTO t (name) VALUES ('a')");
    expect((await db.execute("SELECT * FROM t")).columns).toEqual(["id", "name", "data"]);
    await db.execute("ALTER TABLE t ADD COLUMN extra TEXT DEFAULT 'e'");
    const after = await db.execute("SELECT * FROM t");
    expect(after.columns).toEqual(["id", "name", "data", "extra"]);
    expect(after.rows[0]?.extra).toBe("e");
    // A kept statement still runs after the schema changed under it.
    expect((await db.execute("SELECT name FROM t")).rows[0]?.name).toBe("a");
  });
});

describe("LocalClient transactions", () => {
  it("runs a transaction on its own connection while other calls read the committed state", async () => {
    const tx = await db.transaction("write");
    await tx.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["a"] });
    expect(await count(tx)).toBe(1);
    expect(await count(db)).toBe(0);
    const [a, b] = await Promise.all([count(db), count(db)]);
    expect([a, b]).toEqual([0, 0]);
    expect(tx.closed).toBe(false);
    await tx.commit();
    expect(tx.closed).toBe(true);
    expect(await count(db)).toBe(1);
    const late = await failure(tx.execute("SELECT 1"));
    expect(late.code).toBe("TRANSACTION_CLOSED");
    expect((await failure(tx.commit())).code).toBe("TRANSACTION_CLOSED");
    await tx.rollback();
    tx.close();
  });

  it("takes the write lock at BEGIN for `write`, refuses writes in `read`, defers in `deferred`", async () => {
    expect(beginStatement("write")).toBe("BEGIN IMMEDIATE");
    expect(() => beginStatement("bogus" as "write")).toThrow(RangeError);
    const writer = await db.transaction("write");
    const other = new LocalClient({ path: join(dir, "t.db"), timeout: 0 });
    try {
      const busy = await failure(other.transaction("write"));
      expect(busy.code).toBe("SQLITE_BUSY");
      const deferred = await other.transaction("deferred");
      expect(await count(deferred)).toBe(0);
      deferred.close();
    } finally {
      writer.close();
      other.close();
    }
    // A read transaction takes no write lock: another process writes meanwhile, the reader keeps its snapshot.
    const reader = await db.transaction("read");
    expect(await count(reader)).toBe(0);
    const elsewhere = new LocalClient({ path: join(dir, "t.db"), timeout: 0 });
    try {
      await elsewhere.batch(["INSERT INTO t (name) VALUES ('r')"], "write");
    } finally {
      elsewhere.close();
    }
    expect(await count(reader)).toBe(0);
    reader.close();
    expect(await count(db)).toBe(1);
    await expect(db.transaction("bogus" as "write")).rejects.toThrow(RangeError);
    // The connection of the refused transaction went back to the pool.
    expect(await count(db)).toBe(1);
  });

  it("rolls back on rollback and on close, and a transaction's batch and script run in it", async () => {
    const tx = await db.transaction();
    await tx.batch([{ sql: "INSERT INTO t (name) VALUES (?)", args: ["a"] }, "INSERT INTO t (name) VALUES ('b')"]);
    await tx.executeMultiple("INSERT INTO t (name) VALUES ('c'); INSERT INTO t (name) VALUES ('d')");
    expect(await count(tx)).toBe(4);
    await tx.rollback();
    expect(tx.closed).toBe(true);
    expect(await count(db)).toBe(0);
    const closing = await db.transaction();
    await closing.execute("INSERT INTO t (name) VALUES ('e')");
    closing.close();
    closing.close();
    expect(await count(db)).toBe(0);
    const failing = await db.transaction();
    await failing.execute("INSERT INTO t (name) VALUES ('f')");
    const error = await failure(failing.batch(["INSERT INTO t (name) VALUES ('g')", "INSERT INTO t (name) VALUES ('f')"]));
    expect(error).toBeInstanceOf(LibsqlBatchError);
    expect((error as LibsqlBatchError).statementIndex).toBe(1);
    failing.close();
    expect(await count(db)).toBe(0);
  });

  it("never gives a connection back to the pool mid-transaction", async () => {
    await db.executeMultiple("BEGIN; INSERT INTO t (name) VALUES ('left open')");
    expect(await count(db)).toBe(0);
    const tx = await db.transaction("write");
    await tx.execute("INSERT INTO t (name) VALUES ('w')");
    await tx.commit();
    expect(await count(db)).toBe(1);
  });

  it("refuses a call when open transactions hold every connection", async () => {
    const small = new LocalClient({ path: join(dir, "t.db"), maxConnections: 2 });
    try {
      const held = [await small.transaction("read"), await small.transaction("read")];
      const refused = await failure(small.execute("SELECT 1"));
      expect(refused.code).toBe("TRANSACTION_ACTIVE");
      expect(refused.message).toMatch(/All 2/);
      held[0]?.close();
      expect((await small.execute("SELECT 1 AS one")).rows[0]?.one).toBe(1);
      held[1]?.close();
    } finally {
      small.close();
    }
    const memory = new LocalClient({ path: ":memory:" });
    try {
      await memory.execute("CREATE TABLE m (x)");
      const tx = await memory.transaction("write");
      expect((await failure(memory.execute("SELECT 1"))).message).toMatch(/single connection/);
      await tx.execute("INSERT INTO m VALUES (1)");
      await tx.commit();
      expect((await memory.execute("SELECT COUNT(*) AS n FROM m")).rows[0]?.n).toBe(1);
    } finally {
      memory.close();
    }
  });

  it("sets the busy timeout on every connection", async () => {
    const held = await db.transaction("read");
    try {
      const timeouts = [await held.execute("PRAGMA busy_timeout"), await db.execute("PRAGMA busy_timeout")];
      expect(timeouts.map((rs) => Object.values(rs.rows[0] ?? {})[0])).toEqual([3000, 3000]);
    } finally {
      held.close();
    }
  });
});

describe("LocalClient batch and migrate", () => {
  it("runs a batch atomically: all of it, or nothing and the failing index", async () => {
    const results = await db.batch(
      [
        { sql: "INSERT INTO t (name) VALUES (?)", args: ["a"] },
        ["INSERT INTO t (name) VALUES (?)", ["b"]],
        ["SELECT COUNT(*) AS n FROM t"],
      ],
      "write",
    );
    expect(results.map((r) => r.rowsAffected)).toEqual([1, 1, 0]);
    expect(results[2]?.rows[0]?.n).toBe(2);
    const error = await failure(db.batch(["INSERT INTO t (name) VALUES ('c')", "INSERT INTO t (name) VALUES ('a')"]));
    expect(error).toBeInstanceOf(LibsqlBatchError);
    expect([(error as LibsqlBatchError).statementIndex, error.code, error.extendedCode]).toEqual([1, "SQLITE_CONSTRAINT", "SQLITE_CONSTRAINT_UNIQUE"]);
    expect(await count(db)).toBe(2);
    // A statement that ends the transaction stops the batch.
    const ended = await failure(db.batch(["COMMIT", "INSERT INTO t (name) VALUES ('z')"]));
    expect([ended.code, (ended as LibsqlBatchError).statementIndex]).toEqual(["TRANSACTION_CLOSED", 1]);
    // A plain error of an argument is not a batch error.
    await expect(db.batch([{ sql: "SELECT ?", args: [Number.POSITIVE_INFINITY] }])).rejects.toThrow(RangeError);
    expect(await count(db)).toBe(2);
  });

  it("migrates with foreign keys off, atomically", async () => {
    await db.execute("PRAGMA foreign_keys = ON");
    await db.migrate([{ sql: "INSERT INTO c (id, t_id) VALUES (1, 99)", args: [] }]);
    expect((await db.execute("SELECT COUNT(*) AS n FROM c")).rows[0]?.n).toBe(1);
    expect((await db.execute("PRAGMA foreign_keys")).rows[0]?.foreign_keys).toBe(1);
    await expect(db.migrate([{ sql: "INSERT INTO c (id) VALUES (2)", args: [] }, { sql: "INSERT INTO c (id) VALUES (2)", args: [] }])).rejects.toBeInstanceOf(LibsqlBatchError);
    expect((await db.execute("SELECT COUNT(*) AS n FROM c")).rows[0]?.n).toBe(1);
    expect((await db.execute("PRAGMA foreign_keys")).rows[0]?.foreign_keys).toBe(1);
  });
});

describe("LocalClient lifecycle", () => {
  it("closes every connection, refuses calls after, and reconnects", async () => {
    const tx = await db.transaction("write");
    await tx.execute("INSERT INTO t (name) VALUES ('a')");
    db.close();
    expect(db.closed).toBe(true);
    expect(db.protocol).toBe("file");
    expect((await failure(db.execute("SELECT 1"))).code).toBe("CLIENT_CLOSED");
    expect((await failure(db.transaction())).code).toBe("CLIENT_CLOSED");
    expect(tx.closed).toBe(true);
    await tx.rollback();
    expect((await failure(tx.commit())).code).toBe("TRANSACTION_CLOSED");
    tx.close();
    db.reconnect();
    expect(db.closed).toBe(false);
    expect(await count(db)).toBe(0);
  });

  it("has no replica to sync, and refuses a database it cannot open", async () => {
    expect((await failure(db.sync())).code).toBe("SYNC_NOT_SUPPORTED");
    expect(() => new LocalClient({ path: join(dir, "missing", "x.db") })).toThrow(/Unable to open/);
  });
});
