import { createClient, type Client } from "@libsql/client";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * One part of the agent's local schema: the statements that create its
 * tables (idempotent, `IF NOT EXISTS`). Each store owns its own tables and
 * brings its schema here, so no file holds every table of the agent.
 */
export type StateSchema = readonly string[];

/**
 * Opens the agent's local state database (A5): one SQLite file under the
 * agent's home, WAL, and the given schemas applied.
 * @param path Absolute file path, or `:memory:` for a throwaway database.
 * @param schemas The stores' schemas.
 * @returns The client; close it with `client.close()`.
 */
export async function openStateDb(path: string, schemas: readonly StateSchema[] = []): Promise<Client> {
  if (path !== ":memory:") await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const client = createClient({ url: path === ":memory:" ? ":memory:" : `file:${path}`, timeout: 10_000 });
  if (path !== ":memory:") {
    await client.execute("PRAGMA busy_timeout = 10000");
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA synchronous = NORMAL");
  }
  for (const schema of schemas) {
    for (const statement of schema) await client.execute(statement);
  }
  return client;
}
