/**
 * A `@libsql/client` `Client` for local SQLite files that keeps its prepared
 * statements (S6): the stock local client prepares every statement again at
 * every call, which was about a third of the server's CPU time. Same driver
 * (`libsql`), same results, errors and transaction modes; plain calls share
 * one connection, each open transaction holds its own (pool.ts).
 */
import { LibsqlError, type Client, type InArgs, type InStatement, type Replicated, type ResultSet, type Transaction, type TransactionMode } from "@libsql/client";
import type { Connection } from "./connection.ts";
import { DEFAULT_STATEMENT_CACHE } from "./connection.ts";
import { batchError, clientClosed } from "./errors.ts";
import { Pool } from "./pool.ts";

/** Options of the local client. */
export interface LocalClientOptions {
  /** The database file, or `:memory:` (one connection). */
  path: string;
  /** Busy timeout of every connection, milliseconds. @default 5000 */
  timeout?: number;
  /** Prepared statements kept per connection. @default 256 */
  statementCache?: number;
  /** The most connections open at once. @default 20 */
  maxConnections?: number;
  /** SQL run on every connection as it opens, e.g. `PRAGMA synchronous = NORMAL`. */
  setup?: string;
  /** Statements with longer SQL (characters) are prepared per call rather than kept. @default no bound */
  keepSqlUpTo?: number;
}

function statementOf(stmtOrSql: InStatement, args: InArgs | undefined): InStatement {
  return typeof stmtOrSql === "string" && args !== undefined ? { sql: stmtOrSql, args } : stmtOrSql;
}

/**
 * Runs `fn` now, synchronously, as a promise: its value, or its error as a rejection.
 * @param fn The work.
 * @returns Its outcome.
 */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn()));
}

function normalize(stmt: InStatement | [string, InArgs?]): InStatement {
  return Array.isArray(stmt) ? { sql: stmt[0], args: stmt[1] ?? [] } : stmt;
}

/**
 * The BEGIN statement of a transaction mode.
 * @param mode `write` (IMMEDIATE), `read` (read-only) or `deferred`.
 * @returns The statement.
 */
export function beginStatement(mode: TransactionMode): string {
  if (mode === "write") return "BEGIN IMMEDIATE";
  if (mode === "read") return "BEGIN TRANSACTION READONLY";
  if (mode === "deferred") return "BEGIN DEFERRED";
  throw new RangeError('Unknown transaction mode, supported values are "write", "read" and "deferred"');
}

function runBatch(connection: Connection, stmts: ReadonlyArray<InStatement | [string, InArgs?]>, inTransaction: () => boolean): ResultSet[] {
  const results: ResultSet[] = [];
  for (let i = 0; i < stmts.length; i++) {
    try {
      if (!inTransaction()) throw new LibsqlError("The transaction has been rolled back", "TRANSACTION_CLOSED");
      results.push(connection.execute(normalize(stmts[i] as InStatement)));
    } catch (error) {
      throw batchError(error, i);
    }
  }
  return results;
}

/** The local client. */
export class LocalClient implements Client {
  readonly #pool: Pool;
  /** Whether {@link LocalClient.close} was called. */
  closed = false;
  /** Always `file`. */
  readonly protocol = "file";

  /**
   * Opens the client and checks that the database can be opened.
   * @param options Where the database is and how to reach it.
   */
  constructor(options: LocalClientOptions) {
    const memory = options.path === ":memory:" || options.path === "";
    this.#pool = new Pool(
      memory ? ":memory:" : options.path,
      { timeout: options.timeout ?? 5000, statementCache: options.statementCache ?? DEFAULT_STATEMENT_CACHE, setup: options.setup, keepSqlUpTo: options.keepSqlUpTo },
      memory ? 1 : (options.maxConnections ?? 20),
    );
    const connection = this.#pool.acquire();
    try {
      connection.execute("SELECT 1");
    } catch (error) {
      this.#pool.close();
      throw error;
    } finally {
      this.#pool.release(connection);
    }
  }

  /**
   * Runs one statement.
   * @param stmtOrSql The statement, or its SQL.
   * @param args Its arguments, with SQL text.
   * @returns Its result.
   */
  execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    return this.#with((connection) => connection.execute(statementOf(stmtOrSql, args)));
  }

  /**
   * Runs statements in one transaction: all of them or none.
   * @param stmts The statements.
   * @param mode The transaction mode. @default "deferred"
   * @returns Their results.
   */
  batch(stmts: Array<InStatement | [string, InArgs?]>, mode: TransactionMode = "deferred"): Promise<ResultSet[]> {
    return this.#with((connection) => {
      connection.execute(beginStatement(mode));
      const results = runBatch(connection, stmts, () => connection.inTransaction);
      connection.execute("COMMIT");
      return results;
    });
  }

  /**
   * Runs schema statements in one transaction with foreign keys off.
   * @param stmts The statements.
   * @returns Their results.
   */
  migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    return this.#with((connection) => {
      connection.execute("PRAGMA foreign_keys=off");
      try {
        connection.execute("BEGIN DEFERRED");
        const results = runBatch(connection, stmts, () => connection.inTransaction);
        connection.execute("COMMIT");
        return results;
      } finally {
        if (connection.inTransaction) connection.execute("ROLLBACK");
        connection.execute("PRAGMA foreign_keys=on");
      }
    });
  }

  /**
   * Opens a transaction on a connection of its own.
   * @param mode `write` (BEGIN IMMEDIATE, the default), `read` or `deferred`.
   * @returns The transaction.
   */
  transaction(mode: TransactionMode = "write"): Promise<Transaction> {
    return settle(() => {
      this.#checkOpen();
      const connection = this.#pool.acquire();
      try {
        connection.execute(beginStatement(mode));
      } catch (error) {
        this.#pool.release(connection);
        throw error;
      }
      return new LocalTransaction(connection, (used) => this.#pool.release(used));
    });
  }

  /**
   * Runs a script of statements without arguments.
   * @param sql The script.
   * @returns When done.
   */
  executeMultiple(sql: string): Promise<void> {
    return this.#with((connection) => connection.executeMultiple(sql));
  }

  /**
   * Not supported: a local file is not a replica.
   * @returns Never resolves: rejects.
   */
  sync(): Promise<Replicated> {
    return settle(() => {
      throw new LibsqlError("sync is not supported by the local client", "SYNC_NOT_SUPPORTED");
    });
  }

  /** Closes every connection and opens the client again. */
  reconnect(): void {
    this.#pool.reopen();
    this.closed = false;
  }

  /** Closes the client and every connection, those of open transactions included. */
  close(): void {
    this.closed = true;
    this.#pool.close();
  }

  #checkOpen(): void {
    if (this.closed) throw clientClosed();
  }

  /** Runs `fn` on a borrowed connection, synchronously, and settles the promise with its outcome. */
  #with<T>(fn: (connection: Connection) => T): Promise<T> {
    return settle(() => {
      this.#checkOpen();
      const connection = this.#pool.acquire();
      try {
        return fn(connection);
      } finally {
        this.#pool.release(connection);
      }
    });
  }
}

/** A transaction holding its own connection until commit, rollback or close. */
export class LocalTransaction implements Transaction {
  #connection: Connection | null;
  readonly #release: (connection: Connection) => void;

  /**
   * @param connection The connection, with the transaction begun.
   * @param release Gives the connection back.
   */
  constructor(connection: Connection, release: (connection: Connection) => void) {
    this.#connection = connection;
    this.#release = release;
  }

  /** Whether the transaction is over (committed, rolled back, closed, or ended by SQLite). */
  get closed(): boolean {
    const connection = this.#connection;
    return connection === null || !connection.inTransaction;
  }

  /**
   * Runs one statement in the transaction.
   * @param stmt The statement.
   * @returns Its result.
   */
  execute(stmt: InStatement): Promise<ResultSet> {
    return this.#with((connection) => connection.execute(stmt));
  }

  /**
   * Runs statements one after another in the transaction.
   * @param stmts The statements.
   * @returns Their results.
   */
  batch(stmts: InStatement[]): Promise<ResultSet[]> {
    return this.#with((connection) => runBatch(connection, stmts, () => connection.inTransaction));
  }

  /**
   * Runs a script of statements in the transaction.
   * @param sql The script.
   * @returns When done.
   */
  executeMultiple(sql: string): Promise<void> {
    return this.#with((connection) => connection.executeMultiple(sql));
  }

  /**
   * Rolls back and gives the connection back (nothing if already over).
   * @returns When done.
   */
  rollback(): Promise<void> {
    return settle(() => {
      const connection = this.#connection;
      try {
        if (connection !== null && connection.inTransaction) connection.execute("ROLLBACK");
      } finally {
        this.#settle();
      }
    });
  }

  /**
   * Commits and gives the connection back.
   * @returns When committed.
   */
  commit(): Promise<void> {
    return settle(() => {
      try {
        this.#open().execute("COMMIT");
      } finally {
        this.#settle();
      }
    });
  }

  /** Rolls back what is not committed and gives the connection back (idempotent). */
  close(): void {
    const connection = this.#connection;
    if (connection === null) return;
    try {
      if (connection.inTransaction) connection.execute("ROLLBACK");
    } finally {
      this.#settle();
    }
  }

  #settle(): void {
    const connection = this.#connection;
    if (connection === null) return;
    this.#connection = null;
    this.#release(connection);
  }

  #open(): Connection {
    const connection = this.#connection;
    if (connection === null || !connection.inTransaction) throw new LibsqlError("The transaction is closed", "TRANSACTION_CLOSED");
    return connection;
  }

  #with<T>(fn: (connection: Connection) => T): Promise<T> {
    return settle(() => fn(this.#open()));
  }
}
