/**
 * The connections of the local client. A plain call borrows a connection
 * and gives it back before it returns (the driver is synchronous), so plain
 * calls all run on one connection; a transaction borrows one for its
 * lifetime and gives it back on commit, rollback or close, and calls made
 * meanwhile take another. A connection given back with a transaction still
 * open is rolled back first, or dropped if that fails: it never returns to
 * the pool mid-transaction.
 */
import { LibsqlError } from "@libsql/client";
import { Connection, type ConnectionOptions } from "./connection.ts";
import { clientClosed } from "./errors.ts";

/** A bounded set of connections to one database. */
export class Pool {
  readonly #path: string;
  readonly #options: ConnectionOptions;
  readonly #max: number;
  #idle: Connection[] = [];
  readonly #borrowed = new Set<Connection>();
  #closed = false;

  /**
   * @param path The database file.
   * @param options Options of every connection.
   * @param max The most connections open at once (at least 1).
   */
  constructor(path: string, options: ConnectionOptions, max: number) {
    this.#path = path;
    this.#options = options;
    this.#max = Math.max(1, max);
  }

  /** Connections open now (idle or borrowed). */
  get size(): number {
    return this.#idle.length + this.#borrowed.size;
  }

  /**
   * Borrows a connection: an idle one, or a new one below the limit. At the
   * limit every connection is held by an open transaction, so waiting would
   * wait for the caller itself: that is an error.
   * @returns The connection.
   */
  acquire(): Connection {
    if (this.#closed) throw clientClosed();
    let connection = this.#idle.pop();
    if (connection === undefined) {
      if (this.#borrowed.size >= this.#max) {
        throw new LibsqlError(
          this.#max === 1
            ? "This client has a single connection, which an open transaction is holding. Commit or roll back the transaction before using the client again."
            : `All ${this.#max} of this client's connections are held by open transactions. Commit or roll back one before using the client again.`,
          "TRANSACTION_ACTIVE",
        );
      }
      connection = new Connection(this.#path, this.#options);
    }
    this.#borrowed.add(connection);
    return connection;
  }

  /**
   * Gives a borrowed connection back, rolling back a transaction left open.
   * @param connection The connection.
   */
  release(connection: Connection): void {
    if (!this.#borrowed.delete(connection)) return;
    if (connection.inTransaction) {
      try {
        connection.execute("ROLLBACK");
      } catch {
        connection.close();
        return;
      }
    }
    if (this.#closed || !connection.open) {
      connection.close();
      return;
    }
    this.#idle.push(connection);
  }

  /** Closes every connection, borrowed ones included; the pool refuses further borrows. */
  close(): void {
    this.#closed = true;
    for (const connection of this.#idle) connection.close();
    for (const connection of this.#borrowed) connection.close();
    this.#idle = [];
    this.#borrowed.clear();
  }

  /** Closes every connection and accepts borrows again. */
  reopen(): void {
    this.close();
    this.#closed = false;
  }
}
