/**
 * The cross-process wake on PostgreSQL: `NOTIFY` after a local commit,
 * `LISTEN` on a connection of its own for the others' (S6). One channel per
 * schema, so servers sharing a database in different schemas do not wake
 * each other. Announcements are coalesced: while one `NOTIFY` is in flight,
 * any number of further commits cost one more, not one each. A process
 * ignores its own announcements (its hub was woken directly).
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { PgClient } from "../../db/pg/client.ts";
import type { PgListener } from "../../db/pg/listen.ts";
import type { CrossProcessWake } from "./wake.ts";

/**
 * The channel of a schema: `syncagent_wake` or `syncagent_wake_<schema>`, cut to 63 bytes.
 * @param schema The schema named in the database URL, if any.
 * @returns The channel name.
 */
export function wakeChannel(schema: string | null): string {
  return (schema ? `syncagent_wake_${schema}` : "syncagent_wake").slice(0, 63);
}

/** `LISTEN/NOTIFY` wake-ups between the processes of one PostgreSQL schema. */
class PgWake implements CrossProcessWake {
  readonly #db: PgClient;
  readonly #log: Logger;
  readonly #channel: string;
  /** Tells this process's announcements from the others'. */
  readonly #token = randomBytes(8).toString("hex");
  readonly #listeners: (() => void)[] = [];
  readonly #listener: PgListener;
  #sending = false;
  #pending = false;
  #warned = false;

  constructor(db: PgClient, log: Logger) {
    this.#db = db;
    this.#log = log;
    this.#channel = wakeChannel(db.schema);
    this.#listener = db.listen(this.#channel, {
      onNotify: (payload) => {
        if (payload !== this.#token) this.#fire();
      },
      onListening: () => {
        if (this.#warned) log.info({ channel: this.#channel }, "listening for other server processes' commits again");
        this.#warned = false;
        this.#fire();
      },
      onError: (error) => {
        if (!this.#warned) log.warn({ err: error, channel: this.#channel }, "cannot listen for other server processes' commits; polling until the connection is back");
        this.#warned = true;
      },
    });
  }

  get live(): boolean {
    return this.#listener.listening;
  }

  announce(): void {
    if (this.#sending) {
      this.#pending = true;
      return;
    }
    this.#sending = true;
    void this.#send();
  }

  subscribe(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    await this.#listener.close();
  }

  async #send(): Promise<void> {
    do {
      this.#pending = false;
      try {
        await this.#db.notify(this.#channel, this.#token);
      } catch (error) {
        // The others find the commit at their next poll.
        if (!this.#db.closed) this.#log.warn({ err: error }, "cannot wake the other server processes");
        this.#pending = false;
      }
    } while (this.#pending);
    this.#sending = false;
  }

  #fire(): void {
    for (const listener of this.#listeners) listener();
  }
}

/**
 * Opens the wake channel of a PostgreSQL database.
 * @param db The client.
 * @param log Where failures are reported (once per outage).
 * @returns The channel; it starts listening at once.
 */
export function openPgWake(db: PgClient, log: Logger): CrossProcessWake {
  return new PgWake(db, log);
}
