/**
 * PostgreSQL `LISTEN` on one channel, over a connection of its own (a
 * pooled connection cannot listen: the pool would hand it to a query and
 * the notifications would stop). The connection is re-opened with backoff
 * when it drops (the database restarted, an operator ended the session);
 * each time it is (re)established `onListening` is called, because
 * notifications sent while it was down are lost and the caller must catch up
 * from its own cursor.
 */
import pg from "pg";

/** What a listener calls. */
export interface PgListenHandlers {
  /** A notification arrived on the channel. */
  onNotify(payload: string): void;
  /** The connection is up and listening (first time, and after every reconnect). */
  onListening(): void;
  /** The connection failed or dropped; it will be retried. */
  onError(error: unknown): void;
}

/** Settings of {@link PgListener}. */
export interface PgListenOptions {
  /** `pg`'s connection string (our `schema` parameter already taken out). */
  connectionString: string;
  /** The channel name, as given to `pg_notify` (1–63 bytes). */
  channel: string;
  /** `application_name` of the connection. */
  applicationName: string;
  /** First reconnect delay in ms, doubled up to {@link PgListenOptions.maxRetryMs}. @default 250 */
  retryMs?: number;
  /** Longest reconnect delay in ms. @default 10000 */
  maxRetryMs?: number;
}

/** Quotes an identifier for `LISTEN "…"` (the channel name is case-sensitive as `pg_notify` takes it). */
function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** One channel listened to, reconnecting until {@link PgListener.close}. */
export class PgListener {
  readonly #options: PgListenOptions;
  readonly #handlers: PgListenHandlers;
  #client: pg.Client | null = null;
  #closed = false;
  #listening = false;
  #retryMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Starts connecting at once; `onListening` reports when the channel is live.
   * @param options Where and what to listen to.
   * @param handlers What to call.
   * @throws RangeError for an empty or over-long channel name.
   */
  constructor(options: PgListenOptions, handlers: PgListenHandlers) {
    const bytes = Buffer.byteLength(options.channel);
    if (bytes === 0 || bytes > 63) throw new RangeError(`A PostgreSQL channel name has 1 to 63 bytes, not ${bytes}`);
    this.#options = options;
    this.#handlers = handlers;
    this.#retryMs = options.retryMs ?? 250;
    void this.#connect();
  }

  /** Whether the channel is listened to right now. */
  get listening(): boolean {
    return this.#listening;
  }

  /** Stops listening and closes the connection (idempotent). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listening = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#options.connectionString, application_name: this.#options.applicationName });
    this.#client = client;
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      this.#listening = false;
      if (this.#client === client) this.#client = null;
      client.end().catch(() => undefined);
      if (this.#closed) return;
      this.#handlers.onError(error);
      this.#retry();
    };
    client.on("error", fail);
    client.on("end", () => fail(new Error("the listening connection to PostgreSQL ended")));
    client.on("notification", (message) => {
      if (message.channel === this.#options.channel) this.#handlers.onNotify(message.payload ?? "");
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(this.#options.channel)}`);
    } catch (error) {
      fail(error);
      return;
    }
    if (this.#closed || failed) return;
    this.#listening = true;
    this.#retryMs = this.#options.retryMs ?? 250;
    this.#handlers.onListening();
  }

  #retry(): void {
    const wait = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, this.#options.maxRetryMs ?? 10_000);
    const timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connect();
    }, wait);
    timer.unref?.();
    this.#timer = timer;
  }
}
