/**
 * One SQLite connection of the local client, with its prepared statements
 * kept (S6): a statement is prepared on its first use and then reused, up to
 * a bound, least recently used forgotten first, and its column names are
 * read once. SQLite re-prepares a kept statement on its own when the schema
 * changes, but a `*` column list (`SELECT *`, `t.*`, `RETURNING *`) can then
 * name other columns: such statements are prepared at every call, as the
 * stock client does for all.
 */
import Database from "libsql";
import type { InStatement, ResultSet } from "@libsql/client";
import { mapDriverError } from "./errors.ts";
import { Lru } from "./lru.ts";
import { result } from "./result.ts";
import { buildRow, rowShape, type RowShape } from "./rows.ts";
import { argsToDriver, type DriverArgs } from "./values.ts";

/** Statements kept per connection unless told otherwise. */
export const DEFAULT_STATEMENT_CACHE = 256;

/** A `*` that stands for a column list (not `COUNT(*)` nor a product). */
const STAR_COLUMNS = /(?:\bselect\s+(?:(?:distinct|all)\s+)?|\breturning\s+|,\s*|\.)\*/i;

const NO_ROWS = rowShape([]);

type DriverStatement = ReturnType<Database.Database["prepare"]>;

interface Kept {
  readonly statement: DriverStatement;
  readonly reader: boolean;
  /** The row shape of a reader. */
  readonly shape: RowShape;
  readonly columnTypes: string[];
}

/** Options of one connection. */
export interface ConnectionOptions {
  /** Busy timeout, milliseconds. */
  timeout: number;
  /** Statements kept. */
  statementCache: number;
  /** SQL run on the connection when it opens (pragmas that hold per connection), if any. */
  setup?: string;
  /** Statements whose SQL is longer (characters) are prepared per call, not kept: a multi-row statement's program is large. @default no bound */
  keepSqlUpTo?: number;
}

/** A connection and its kept statements. */
export class Connection {
  readonly #db: Database.Database;
  readonly #kept: Lru<string, Kept>;
  readonly #keepSqlUpTo: number;

  /**
   * Opens a connection.
   * @param path The database file (or `:memory:`).
   * @param options Busy timeout and statement cache size.
   */
  constructor(path: string, options: ConnectionOptions) {
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: options.timeout });
    } catch (error) {
      throw mapDriverError(error);
    }
    try {
      if (options.setup !== undefined) db.exec(options.setup);
    } catch (error) {
      db.close();
      throw mapDriverError(error);
    }
    this.#db = db;
    this.#kept = new Lru(options.statementCache);
    this.#keepSqlUpTo = options.keepSqlUpTo ?? Infinity;
  }

  /** Whether the connection is open. */
  get open(): boolean {
    return this.#db.open;
  }

  /** Whether a transaction is open on it (false once closed). */
  get inTransaction(): boolean {
    return this.#db.open && this.#db.inTransaction;
  }

  /** How many statements are kept. */
  get keptStatements(): number {
    return this.#kept.size;
  }

  /**
   * Runs one statement.
   * @param stmt SQL text, or SQL and arguments.
   * @returns Its result.
   */
  execute(stmt: InStatement): ResultSet {
    const sql = typeof stmt === "string" ? stmt : stmt.sql;
    const args = typeof stmt === "string" ? [] : argsToDriver(stmt.args);
    const kept = this.#statement(sql);
    try {
      return kept.reader ? this.#read(kept, args) : this.#write(kept, args);
    } catch (error) {
      // A statement that failed half-way is not reused.
      this.#kept.delete(sql);
      throw mapDriverError(error);
    }
  }

  /**
   * Runs a script of statements, without arguments and without keeping them.
   * @param sql The script.
   */
  executeMultiple(sql: string): void {
    try {
      this.#db.exec(sql);
    } catch (error) {
      throw mapDriverError(error);
    }
  }

  /** Closes the connection (idempotent); its statements go with it. */
  close(): void {
    this.#kept.clear();
    try {
      if (this.#db.open) this.#db.close();
    } catch {
      // nothing useful to do while tearing down
    }
  }

  #statement(sql: string): Kept {
    const found = this.#kept.get(sql);
    if (found !== undefined) return found;
    let statement: DriverStatement;
    try {
      statement = this.#db.prepare(sql);
    } catch (error) {
      throw mapDriverError(error);
    }
    const reader = statement.reader;
    statement.safeIntegers(true);
    let shape = NO_ROWS;
    let columnTypes: string[] = [];
    if (reader) {
      statement.raw(true);
      const columns = statement.columns();
      shape = rowShape(columns.map((c) => c.name));
      columnTypes = columns.map((c) => c.type ?? "");
    }
    const kept: Kept = { statement, reader, shape, columnTypes };
    if (sql.length <= this.#keepSqlUpTo && !STAR_COLUMNS.test(sql)) this.#kept.set(sql, kept);
    return kept;
  }

  #read(kept: Kept, args: DriverArgs): ResultSet {
    const shape = kept.shape;
    const raw = kept.statement.all(args) as unknown[][];
    const rows = new Array<ReturnType<typeof buildRow>>(raw.length);
    for (let i = 0; i < raw.length; i++) rows[i] = buildRow(shape, raw[i] as unknown[]);
    return result(shape.columns, kept.columnTypes, rows, 0, undefined);
  }

  #write(kept: Kept, args: DriverArgs): ResultSet {
    const info = kept.statement.run(args);
    return result([], [], [], info.changes, BigInt(info.lastInsertRowid));
  }
}
