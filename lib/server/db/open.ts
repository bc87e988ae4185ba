import { createClient, type Client } from "@libsql/client";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { LocalClient } from "../../db/client.ts";
import { filePath } from "../../db/file-url.ts";
import { PgClient } from "../../db/pg/client.ts";
import { migrate } from "./migrate.ts";
import { TUNING_SQL } from "./tuning.ts";

/** Options for opening the metadata database. */
export interface OpenDatabaseOptions {
  /** `file:/abs/path.db` for SQLite (the default), `postgres://…` for PostgreSQL, or `libsql://…` / `http(s)://…` for a remote libSQL server (S2). */
  url: string;
  /** Auth token for a remote libSQL server. */
  authToken?: string;
  /** Milliseconds a writer waits for another process's lock before failing. @default 10000 */
  busyTimeoutMs?: number;
}

/**
 * Opens the metadata database, switches a local file to WAL mode and applies
 * every pending migration (S2).
 *
 * Durability: every connection commits at `synchronous = FULL`, the level a
 * fresh libSQL connection has, so an acknowledged commit survives a power
 * failure. The client opens further connections on its own (a transaction
 * takes one, concurrent calls take others), and a connection-level pragma run
 * here would reach only the first one; the level is therefore left at its
 * default, which tests/server/db-open.test.ts checks on every connection.
 *
 * A local file is opened with lib/db/client.ts, which keeps its prepared
 * statements (S6); PostgreSQL with lib/db/pg/client.ts; a remote libSQL
 * server with the stock client.
 * @param options Where the database is.
 * @returns A ready client; close it with `client.close()`.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Client> {
  if (/^postgres(ql)?:/.test(options.url)) {
    const client = new PgClient({ url: options.url, lockTimeoutMs: options.busyTimeoutMs ?? 10_000 });
    try {
      await migrate(client);
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }
  const local = options.url.startsWith("file:");
  const path = local ? filePath(options.url) : ":memory:";
  if (path !== ":memory:") await mkdir(dirname(path), { recursive: true });
  // `timeout` is the busy timeout of every pooled connection, not only the first.
  const timeout = options.busyTimeoutMs ?? 10_000;
  const client: Client =
    local && process.env.SYNCAGENT_DB_CLIENT !== "stock"
      ? new LocalClient({ path, timeout })
      : createClient(options.authToken ? { url: options.url, authToken: options.authToken, timeout } : { url: options.url, timeout });
  if (local) {
    await client.execute(`PRAGMA busy_timeout = ${timeout}`);
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA foreign_keys = ON");
    await client.executeMultiple(TUNING_SQL);
  }
  await migrate(client);
  return client;
}
