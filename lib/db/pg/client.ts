/**
 * A `@libsql/client` `Client` over PostgreSQL (S2): the server's queries
 * and transactions run unchanged on `postgres://` URLs, through `pg` (the
 * most used and best kept PostgreSQL driver for Node; pure JavaScript, so
 * the single binary embeds it). The SQL is rewritten by dialect.ts; values
 * come back as libSQL gives them (64-bit integers as numbers when safe,
 * BYTEA as ArrayBuffer, booleans as 1 / 0); constraint failures read as
 * SQLite's (errors.ts).
 *
 * Write transactions take one database-wide advisory lock, so writers run
 * one at a time across every server process, as SQLite's write lock makes
 * them: the event log's `seq` is then assigned in commit order, which the
 * cursor tailing of the change feed relies on (a later `seq` is never
 * visible before an earlier one), and no read-then-write check races
 * another process's.
 *
 * URL: `postgres://user:password@host:port/database[?schema=NAME]`; `schema`
 * sets the search path (one database can hold several servers' schemas, as
 * the tests do). `sslmode` and the rest are `pg`'s.
 */
import { LibsqlError, type Client, type InArgs, type InStatement, type InValue, type Replicated, type ResultSet, type Transaction, type TransactionMode } from "@libsql/client";
import pg from "pg";
import { batchError, clientClosed } from "../errors.ts";
import { result } from "../result.ts";
import { buildRow, rowShape } from "../rows.ts";
import { valueToDriver } from "../values.ts";
import { toPostgresCached } from "./dialect.ts";
import { mapPgError } from "./errors.ts";
import { PgListener, type PgListenHandlers } from "./listen.ts";

/** The advisory lock every write transaction holds (one key for the whole database). */
const WRITE_LOCK_KEY = 0x5379_6e63_4167_6e74n & 0x7fff_ffff_ffff_ffffn;

const OID = { bool: 16, bytea: 17, int8: 20, int4: 23, int2: 21, numeric: 1700, float8: 701 } as const;

function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** Type parsers: values as libSQL returns them. */
const TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
    if (oid === OID.int8) return parseInt8;
    if (oid === OID.numeric) return (value: string) => (/^-?\d+$/.test(value) ? parseInt8(value) : Number(value));
    if (oid === OID.bool) return (value: string) => (value === "t" ? 1 : 0);
    return pg.types.getTypeParser(oid, format ?? "text") as (value: string) => unknown;
  },
};

/** Options of the PostgreSQL client. */
export interface PgClientOptions {
  /** `postgres://…`, optionally with `?schema=NAME`. */
  url: string;
  /** The most connections open at once. @default 10 */
  maxConnections?: number;
  /** Milliseconds a statement may wait for a lock (the advisory write lock included) before failing. @default 10000 */
  lockTimeoutMs?: number;
  /** How the connections name themselves in `pg_stat_activity`. @default "syncagent" */
  applicationName?: string;
}

/**
 * A PostgreSQL URL with our `schema` parameter taken out.
 * @param url The URL.
 * @returns The connection string for `pg`, and the schema when named.
 * @throws TypeError for a URL that is not `postgres://` or `postgresql://`, or a malformed schema name.
 */
export function parsePgUrl(url: string): { connectionString: string; schema: string | null } {
  const parsed = new URL(url);
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") throw new TypeError(`Not a PostgreSQL URL: ${parsed.protocol}`);
  const schema = parsed.searchParams.get("schema");
  if (schema !== null && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new TypeError("The schema must be a plain identifier (letters, digits, underscores)");
  parsed.searchParams.delete("schema");
  return { connectionString: parsed.toString(), schema };
}

function argsOf(args: InArgs | undefined): unknown[] {
  if (args === undefined) return [];
  if (!Array.isArray(args)) throw new TypeError("Named arguments are not supported on PostgreSQL: use ? placeholders");
  return args.map((value: InValue) => {
    const v = valueToDriver(value);
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return v;
  });
}

function statementOf(stmt: InStatement | [string, InArgs?], args?: InArgs): { sql: string; args: InArgs | undefined } {
  if (typeof stmt === "string") return { sql: stmt, args };
  if (Array.isArray(stmt)) return { sql: stmt[0], args: stmt[1] };
  return { sql: stmt.sql, args: stmt.args };
}

const EMPTY = (): ResultSet => result([], [], [], 0, undefined);

/** Runs one statement on a connection (a pooled one, or a transaction's). */
async function run(queryable: pg.Pool | pg.PoolClient, stmt: InStatement | [string, InArgs?], args?: InArgs): Promise<ResultSet> {
  const { sql, args: bound } = statementOf(stmt, args);
  const text = toPostgresCached(sql);
  if (text === null) return EMPTY();
  let out: pg.QueryArrayResult;
  try {
    out = await queryable.query({ text, values: argsOf(bound), rowMode: "array", types: TYPES });
  } catch (error) {
    throw mapPgError(error);
  }
  const columns = out.fields.map((f) => f.name);
  const shape = rowShape(columns);
  const rows = out.rows.map((raw) => buildRow(shape, raw));
  const affected = out.command === "SELECT" ? 0 : (out.rowCount ?? 0);
  return result(columns, columns.map(() => ""), rows, affected, undefined);
}

/** Splits a script into statements (semicolons outside literals and comments). */
function statementsOf(script: string): string[] {
  const out: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (let i = 0; i < script.length; i++) {
    const c = script[i] as string;
    if (quote) {
      current += c;
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    if (c === "-" && script[i + 1] === "-") {
      const nl = script.indexOf("\n", i);
      i = nl < 0 ? script.length : nl;
      current += "\n";
      continue;
    }
    if (c === ";") {
      if (current.trim()) out.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  if (current.trim()) out.push(current);
  return out;
}

function beginFor(mode: TransactionMode): string {
  if (mode === "write" || mode === "deferred") return "BEGIN";
  if (mode === "read") return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  throw new RangeError('Unknown transaction mode, supported values are "write", "read" and "deferred"');
}

/** The PostgreSQL client. */
export class PgClient implements Client {
  readonly #pool: pg.Pool;
  /** Whether {@link PgClient.close} was called. */
  closed = false;
  /** Always `postgres`: what {@link isPostgres} tells by. */
  readonly protocol = "postgres";
  /** The schema named in the URL, if any. */
  readonly schema: string | null;
  readonly #connectionString: string;
  readonly #applicationName: string;

  /**
   * Prepares the pool; nothing connects until the first statement.
   * @param options Where the database is.
   */
  constructor(options: PgClientOptions) {
    const { connectionString, schema } = parsePgUrl(options.url);
    this.schema = schema;
    this.#connectionString = connectionString;
    this.#applicationName = options.applicationName ?? "syncagent";
    const lockTimeout = options.lockTimeoutMs ?? 10_000;
    const settings = [`-c lock_timeout=${lockTimeout}`, ...(schema ? [`-c search_path=${schema}`] : [])];
    this.#pool = new pg.Pool({
      connectionString,
      max: options.maxConnections ?? 10,
      options: settings.join(" "),
      application_name: this.#applicationName,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that dies (the server restarted) is dropped by the pool; do not let it crash the process.
    this.#pool.on("error", () => undefined);
  }

  /**
   * Runs one statement.
   * @param stmtOrSql The statement, or its SQL.
   * @param args Its arguments, with SQL text.
   * @returns Its result.
   */
  async execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    this.#checkOpen();
    return run(this.#pool, stmtOrSql, args);
  }

  /**
   * Runs statements in one transaction: all of them or none.
   * @param stmts The statements.
   * @param mode The transaction mode. @default "deferred"
   * @returns Their results.
   */
  async batch(stmts: Array<InStatement | [string, InArgs?]>, mode: TransactionMode = "deferred"): Promise<ResultSet[]> {
    const tx = await this.transaction(mode);
    try {
      const results = await tx.batch(stmts.map((s) => (Array.isArray(s) ? { sql: s[0], args: s[1] ?? [] } : s)));
      await tx.commit();
      return results;
    } finally {
      tx.close();
    }
  }

  /**
   * Runs schema statements in one write transaction.
   * @param stmts The statements.
   * @returns Their results.
   */
  migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    return this.batch(stmts, "write");
  }

  /**
   * Opens a transaction on a connection of its own. `write` holds the
   * database-wide write lock until it ends.
   * @param mode `write` (the default), `read` (a read-only snapshot) or `deferred`.
   * @returns The transaction.
   */
  async transaction(mode: TransactionMode = "write"): Promise<Transaction> {
    this.#checkOpen();
    const begin = beginFor(mode);
    let connection: pg.PoolClient;
    try {
      connection = await this.#pool.connect();
    } catch (error) {
      throw mapPgError(error);
    }
    try {
      await connection.query(begin);
      if (mode === "write") await connection.query({ text: "SELECT pg_advisory_xact_lock($1)", values: [WRITE_LOCK_KEY.toString()] });
    } catch (error) {
      await connection.query("ROLLBACK").catch(() => undefined);
      connection.release();
      throw mapPgError(error);
    }
    return new PgTransaction(connection);
  }

  /**
   * Runs a script of statements without arguments.
   * @param sql The script.
   * @returns When done.
   */
  async executeMultiple(sql: string): Promise<void> {
    for (const statement of statementsOf(sql)) await this.execute(statement);
  }

  /**
   * Listens to a notification channel on a connection of its own, which
   * reconnects until the listener is closed.
   * @param channel The channel (1–63 bytes, case-sensitive).
   * @param handlers What to call on a notification, on (re)connection and on a failure.
   * @returns The listener: close it before the client.
   */
  listen(channel: string, handlers: PgListenHandlers): PgListener {
    this.#checkOpen();
    return new PgListener({ connectionString: this.#connectionString, channel, applicationName: `${this.#applicationName}-listen` }, handlers);
  }

  /**
   * Sends a notification (delivered to every listener of the channel,
   * this process's included).
   * @param channel The channel.
   * @param payload A short text (under 8000 bytes).
   * @returns When PostgreSQL accepted it.
   */
  async notify(channel: string, payload: string): Promise<void> {
    this.#checkOpen();
    try {
      await this.#pool.query({ text: "SELECT pg_notify($1, $2)", values: [channel, payload] });
    } catch (error) {
      throw mapPgError(error);
    }
  }

  /**
   * Not supported: PostgreSQL is not a replica.
   * @returns Never resolves: rejects.
   */
  sync(): Promise<Replicated> {
    return Promise.reject(new LibsqlError("sync is not supported by the PostgreSQL client", "SYNC_NOT_SUPPORTED"));
  }

  /** Nothing to do: the pool opens connections as it needs them. */
  reconnect(): void {
    this.closed = false;
  }

  /** Closes the pool (connections of open transactions end as they are released). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.#pool.end().catch(() => undefined);
  }

  #checkOpen(): void {
    if (this.closed) throw clientClosed();
  }
}

/**
 * Ends a transaction and gives its connection back; a connection whose end
 * failed is dropped from the pool rather than reused.
 */
async function finish(connection: pg.PoolClient, end: "COMMIT" | "ROLLBACK"): Promise<void> {
  try {
    await connection.query(end);
    connection.release();
  } catch (error) {
    connection.release(true);
    throw mapPgError(error);
  }
}

/** A transaction holding its own connection until commit, rollback or close. */
export class PgTransaction implements Transaction {
  #connection: pg.PoolClient | null;
  #failed = false;

  /** @param connection The connection, with the transaction begun. */
  constructor(connection: pg.PoolClient) {
    this.#connection = connection;
  }

  /** Whether the transaction is over. */
  get closed(): boolean {
    return this.#connection === null;
  }

  /**
   * Runs one statement in the transaction. After a failed statement
   * PostgreSQL refuses the rest of the transaction: roll it back.
   * @param stmt The statement.
   * @returns Its result.
   */
  async execute(stmt: InStatement): Promise<ResultSet> {
    try {
      return await run(this.#open(), stmt);
    } catch (error) {
      this.#failed = true;
      throw error;
    }
  }

  /**
   * Runs statements one after another in the transaction.
   * @param stmts The statements.
   * @returns Their results.
   */
  async batch(stmts: InStatement[]): Promise<ResultSet[]> {
    const results: ResultSet[] = [];
    for (let i = 0; i < stmts.length; i++) {
      try {
        results.push(await this.execute(stmts[i] as InStatement));
      } catch (error) {
        throw batchError(error, i);
      }
    }
    return results;
  }

  /**
   * Runs a script of statements in the transaction.
   * @param sql The script.
   * @returns When done.
   */
  async executeMultiple(sql: string): Promise<void> {
    for (const statement of statementsOf(sql)) await this.execute(statement);
  }

  /**
   * Rolls back and gives the connection back (nothing if already over).
   * @returns When done.
   */
  async rollback(): Promise<void> {
    const connection = this.#connection;
    if (connection === null) return;
    this.#connection = null;
    await finish(connection, "ROLLBACK");
  }

  /**
   * Commits and gives the connection back. A transaction with a failed
   * statement is rolled back instead, and the commit fails.
   * @returns When committed.
   */
  async commit(): Promise<void> {
    const connection = this.#open();
    this.#connection = null;
    if (this.#failed) {
      await connection.query("ROLLBACK").catch(() => undefined);
      connection.release();
      throw new LibsqlError("The transaction had a failed statement and was rolled back", "TRANSACTION_CLOSED");
    }
    await finish(connection, "COMMIT");
  }

  /** Rolls back what is not committed and gives the connection back (idempotent). */
  close(): void {
    const connection = this.#connection;
    if (connection === null) return;
    this.#connection = null;
    connection.query("ROLLBACK").then(
      () => connection.release(),
      () => connection.release(true),
    );
  }

  #open(): pg.PoolClient {
    const connection = this.#connection;
    if (connection === null) throw new LibsqlError("The transaction is closed", "TRANSACTION_CLOSED");
    return connection;
  }
}
