/**
 * The PostgreSQL client (S2) on a real PostgreSQL (scripts/ci/with-postgres.sh;
 * skipped when `SYNCAGENT_TEST_PG_URL` or `SYNCAGENT_TEST_DATABASE_URL` names none): values as libSQL
 * gives them, SQLite-shaped constraint errors, transactions that roll back,
 * and write transactions of two clients (two server processes) one at a time.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgClient, parsePgUrl } from "../../lib/db/pg/client.ts";
import { isPostgres } from "../../lib/db/sql-dialect.ts";
import { waitFor } from "../helpers/wait.ts";
import { dropPgSchema, PG_CLUSTER_URL, pgSchemaUrl } from "../helpers/pg-schema.ts";

describe("PostgreSQL URLs", () => {
  it("take out our schema parameter, and refuse another scheme or a schema that is not a plain name", () => {
    expect(parsePgUrl("postgres://u@127.0.0.1:5432/db?schema=s1&sslmode=disable")).toEqual({ connectionString: "postgres://u@127.0.0.1:5432/db?sslmode=disable", schema: "s1" });
    expect(() => parsePgUrl("mysql://u@h/db")).toThrow(/Not a PostgreSQL URL/);
    expect(() => parsePgUrl("postgres://u@h/db?schema=a;drop")).toThrow(/plain identifier/);
  });
});

describe.skipIf(!PG_CLUSTER_URL)("the PostgreSQL client", () => {
  let dir: string;
  let a: PgClient;
  let b: PgClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "syncagent-pg-"));
    const url = await pgSchemaUrl(dir);
    a = new PgClient({ url });
    b = new PgClient({ url, applicationName: `second-${process.pid}` });
    await a.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL, body BLOB, seq INTEGER) STRICT");
  });
  afterAll(async () => {
    a?.close();
    b?.close();
    if (dir) await dropPgSchema(dir);
  });

  it("returns rows as libSQL does: 64-bit integers as numbers, BYTEA as an ArrayBuffer, booleans as 1 / 0", async () => {
    const body = randomBytes(40);
    await a.execute({ sql: "INSERT INTO t (id, n, body) VALUES (?, ?, ?)", args: ["x", 2 ** 40, body] });
    const rows = (await a.execute({ sql: "SELECT id, n, body, n > ? AS big, COUNT(*) OVER () AS c FROM t WHERE id = ?", args: [1, "x"] })).rows;
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.id).toBe("x");
    expect(row.n).toBe(2 ** 40);
    expect(row.body).toBeInstanceOf(ArrayBuffer);
    expect(Buffer.from(row.body as ArrayBuffer).equals(body)).toBe(true);
    expect(row.big).toBe(1);
    expect(row.c).toBe(1);
    expect(row[0]).toBe("x");
    expect(isPostgres(a)).toBe(true);
  });

  it("reads a taken key as SQLite's unique constraint failure, and counts the rows a statement changed", async () => {
    await expect(a.execute({ sql: "INSERT INTO t (id, n) VALUES (?, ?)", args: ["x", 1] })).rejects.toThrow(/UNIQUE constraint failed: t\.id/);
    const ignored = await a.execute({ sql: "INSERT OR IGNORE INTO t (id, n) VALUES (?, ?)", args: ["x", 1] });
    expect(ignored.rowsAffected).toBe(0);
    const updated = await a.execute({ sql: "UPDATE t SET n = MAX(n - ?, 0) WHERE id = ?", args: [2 ** 41, "x"] });
    expect(updated.rowsAffected).toBe(1);
    expect((await a.execute({ sql: "SELECT n FROM t WHERE id = ?", args: ["x"] })).rows[0]?.n).toBe(0);
  });

  it("rolls a transaction back on a failed statement, and refuses to commit it", async () => {
    const tx = await a.transaction("write");
    await tx.execute({ sql: "INSERT INTO t (id, n) VALUES (?, ?)", args: ["y", 1] });
    await expect(tx.execute({ sql: "INSERT INTO t (id, n) VALUES (?, ?)", args: ["x", 1] })).rejects.toThrow(/UNIQUE/);
    await expect(tx.commit()).rejects.toThrow(/rolled back/);
    expect((await a.execute({ sql: "SELECT COUNT(*) AS n FROM t WHERE id = ?", args: ["y"] })).rows[0]?.n).toBe(0);
  });

  it("runs the write transactions of two clients one after the other", async () => {
    const first = await a.transaction("write");
    await first.execute({ sql: "INSERT INTO t (id, n) VALUES (?, ?)", args: ["w1", 1] });
    let secondBegan = false;
    const second = b.transaction("write").then((tx) => {
      secondBegan = true;
      return tx;
    });
    // The second client is seen waiting on the write lock while the first holds it.
    await waitFor("the second client waiting on the write lock", async () => {
      const waiting = await a.execute({
        sql: "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE application_name = ? AND wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock%'",
        args: [`second-${process.pid}`],
      });
      return waiting.rows[0]?.n === 1;
    }, 10_000);
    expect(secondBegan).toBe(false);
    await first.commit();
    const tx = await second;
    expect((await tx.execute({ sql: "SELECT COUNT(*) AS n FROM t WHERE id = ?", args: ["w1"] })).rows[0]?.n).toBe(1);
    await tx.commit();
  });

  it("runs batches and scripts in one transaction, reads a snapshot, and names the other constraint failures as SQLite does", async () => {
    await a.executeMultiple("CREATE TABLE p (id TEXT PRIMARY KEY) STRICT; -- parents\nCREATE TABLE c (id TEXT PRIMARY KEY, p TEXT NOT NULL REFERENCES p(id)) STRICT;");
    const results = await a.batch([{ sql: "INSERT INTO p (id) VALUES (?)", args: ["p1"] }, ["INSERT INTO c (id, p) VALUES (?, ?)", ["c1", "p1"]]], "write");
    expect(results.map((r) => r.rowsAffected)).toEqual([1, 1]);
    await expect(a.batch([{ sql: "INSERT INTO p (id) VALUES (?)", args: ["p2"] }, { sql: "INSERT INTO c (id, p) VALUES (?, ?)", args: ["c2", "nobody"] }])).rejects.toMatchObject({
      code: "SQLITE_CONSTRAINT",
      extendedCode: "SQLITE_CONSTRAINT_FOREIGNKEY",
      statementIndex: 1,
    });
    expect((await a.execute("SELECT COUNT(*) AS n FROM p")).rows[0]?.n).toBe(1); // the batch's first insert went with it
    await expect(a.execute({ sql: "INSERT INTO c (id, p) VALUES (?, ?)", args: ["c3", null] })).rejects.toThrow(/NOT NULL constraint failed: c\.p/);
    await expect(a.migrate([{ sql: "INSERT INTO p (id) VALUES (?)", args: ["p3"] }])).resolves.toHaveLength(1);

    const read = await a.transaction("read");
    expect((await read.execute("SELECT COUNT(*) AS n FROM p")).rows[0]?.n).toBe(2);
    await b.execute({ sql: "INSERT INTO p (id) VALUES (?)", args: ["p4"] });
    expect((await read.execute("SELECT COUNT(*) AS n FROM p")).rows[0]?.n).toBe(2); // one point in time
    await expect(read.execute({ sql: "INSERT INTO p (id) VALUES (?)", args: ["p5"] })).rejects.toThrow(/read-only/);
    await read.rollback();
    expect(read.closed).toBe(true);
    await expect(read.execute("SELECT 1")).rejects.toThrow(/closed/);

    const tx = await a.transaction("deferred");
    await tx.executeMultiple("INSERT INTO p (id) VALUES ('p6'); INSERT INTO p (id) VALUES ('p7')");
    tx.close();
    await waitFor("the closed transaction rolled back", async () => (await a.execute("SELECT COUNT(*) AS n FROM p WHERE id IN ('p6', 'p7')")).rows[0]?.n === 0, 5_000);
  });

  it("refuses named arguments and replication, and a closed client", async () => {
    await expect(a.execute({ sql: "SELECT :x", args: { x: 1 } })).rejects.toThrow(/Named arguments/);
    await expect(a.sync()).rejects.toThrow(/not supported/);
    await expect(a.transaction("exclusive" as never)).rejects.toThrow(/Unknown transaction mode/);
    const c = new PgClient({ url: await pgSchemaUrl(dir) });
    c.close();
    await expect(c.execute("SELECT 1")).rejects.toThrow(/closed/);
  });
});
