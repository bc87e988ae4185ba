import { createClient, type Client } from "@libsql/client";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { LocalClient } from "../../db/client.ts";

/**
 * One part of the agent's local schema: the statements that create its
 * tables (idempotent, `IF NOT EXISTS`). Each store owns its own tables and
 * brings its schema here, so no file holds every table of the agent.
 */
export type StateSchema = readonly string[];

/** Busy timeout of the state database, milliseconds. */
const BUSY_TIMEOUT_MS = 10_000;

/** Pragmas that hold per connection, run on every connection of the local client. */
const CONNECTION_SETUP = `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}; PRAGMA synchronous = NORMAL;`;

/**
 * SQL longer than this is prepared per call: the stores' multi-row writes
 * (`bulk.ts`, up to 8,000 parameters) come in many lengths, and a kept
 * program of that size costs far more memory than preparing it again costs time.
 */
const KEEP_SQL_UP_TO = 4096;

/**
 * The client of the state database: lib/db/client.ts, which keeps its
 * prepared statements (S6), unless `SYNCAGENT_DB_CLIENT=stock` asks for the
 * stock `@libsql/client`.
 * @param path Absolute file path, or `:memory:`.
 * @returns The client.
 */
function clientFor(path: string): Client {
  if (process.env.SYNCAGENT_DB_CLIENT === "stock") {
    return createClient({ url: path === ":memory:" ? ":memory:" : `file:${path}`, timeout: BUSY_TIMEOUT_MS });
  }
  return new LocalClient({ path, timeout: BUSY_TIMEOUT_MS, setup: path === ":memory:" ? undefined : CONNECTION_SETUP, keepSqlUpTo: KEEP_SQL_UP_TO });
}

/**
 * Opens the agent's local state database (A5): one SQLite file under the
 * agent's home, WAL, and the given schemas applied.
 * @param path Absolute file path, or `:memory:` for a throwaway database.
 * @param schemas The stores' schemas.
 * @returns The client; close it with `client.close()`.
 */
export async function openStateDb(path: string, schemas: readonly StateSchema[] = []): Promise<Client> {
  if (path !== ":memory:") await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const client = clientFor(path);
  if (path !== ":memory:") {
    await client.execute(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA synchronous = NORMAL");
  }
  for (const schema of schemas) {
    for (const statement of schema) await client.execute(statement);
  }
  return client;
}
