/**
 * The server tests on PostgreSQL: when `SYNCAGENT_TEST_DATABASE_URL` names
 * a PostgreSQL database (scripts/ci/test-postgres.sh starts one), every test
 * server gets a schema of its own in it, named after its data dir (so two
 * servers sharing a data dir share the schema, as they share a SQLite
 * file), and the schema is dropped with the data dir.
 */
import { basename } from "node:path";
import pg from "pg";

const postgres = (url: string | undefined): string | undefined => (url?.startsWith("postgres") ? url : undefined);

/** The PostgreSQL URL the test servers run on, or undefined for SQLite. */
export const TEST_PG_URL: string | undefined = postgres(process.env.SYNCAGENT_TEST_DATABASE_URL);

/**
 * A PostgreSQL server for the PostgreSQL client's own tests, or undefined:
 * `SYNCAGENT_TEST_PG_URL` (scripts/ci/with-postgres.sh sets it, while the
 * test servers stay on SQLite), else the test servers' one.
 */
export const PG_CLUSTER_URL: string | undefined = postgres(process.env.SYNCAGENT_TEST_PG_URL) ?? TEST_PG_URL;

function schemaOf(dataDir: string): string {
  return `t_${basename(dataDir).replace(/[^A-Za-z0-9]/g, "_").toLowerCase()}`.slice(0, 63);
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_CLUSTER_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates (if missing) the schema of a data dir.
 * @param dataDir The test server's data dir.
 * @returns The `database-url` to give the server.
 */
export async function pgSchemaUrl(dataDir: string): Promise<string> {
  const schema = schemaOf(dataDir);
  await admin((c) => c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`));
  const url = new URL(PG_CLUSTER_URL as string);
  url.searchParams.set("schema", schema);
  return url.toString();
}

/**
 * Drops the schema of a data dir and everything in it.
 * @param dataDir The test server's data dir.
 */
export async function dropPgSchema(dataDir: string): Promise<void> {
  await admin((c) => c.query(`DROP SCHEMA IF EXISTS ${schemaOf(dataDir)} CASCADE`));
}

/**
 * The environment a server process started by a test needs to share a
 * test server's database: its schema's URL on PostgreSQL, nothing on SQLite
 * (the data dir's file is shared already).
 * @param dataDir The data dir the processes share.
 * @returns Variables to add to the child's environment.
 */
export async function sharedDatabaseEnv(dataDir: string): Promise<Record<string, string>> {
  return TEST_PG_URL ? { SYNCAGENT_DATABASE_URL: await pgSchemaUrl(dataDir) } : {};
}
