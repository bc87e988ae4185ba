/**
 * The parts operators already run, started throwaway on loopback: a
 * PostgreSQL cluster (scripts/ci/postgres.sh: Debian's binaries, `initdb` +
 * `pg_ctl` as an unprivileged user in a temp folder) and OpenStack Swift's
 * S3 (scripts/ci/s3-strict.sh, as the strict S3 tests run it) with a bucket.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { AwsClient } from "aws4fetch";
import { EMPTY_SHA256 } from "../../lib/storage/s3-transport.ts";

const run = promisify(execFile);

/** A started service and how to stop it. */
export interface Service<T> {
  value: T;
  stop: () => Promise<void>;
}

/**
 * Starts a PostgreSQL cluster in `dir` and creates `schema` in it.
 * @param root The project root.
 * @param dir A new folder for the cluster.
 * @param schema The schema the servers use.
 * @returns The `--database-url` (with `?schema=`).
 */
export async function startPostgres(root: string, dir: string, schema: string): Promise<Service<string>> {
  const { stdout } = await run("bash", ["scripts/ci/postgres.sh", "start", dir], { cwd: root, timeout: 120_000 });
  const base = /SYNCAGENT_TEST_DATABASE_URL=(\S+)/.exec(stdout)?.[1];
  if (!base) throw new Error(`scripts/ci/postgres.sh printed no URL: ${stdout}`);
  const stop = async (): Promise<void> => void (await run("bash", ["scripts/ci/postgres.sh", "stop", dir], { cwd: root, timeout: 60_000 }));
  try {
    await run("psql", [base, "-qc", `CREATE SCHEMA IF NOT EXISTS ${schema}`], { timeout: 30_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  const url = new URL(base);
  url.searchParams.set("schema", schema);
  return { value: url.toString(), stop };
}

/** Swift's S3 endpoint and the tempauth user's keys. */
export interface S3Service {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Starts Swift with its s3api middleware and creates `bucket`.
 * @param root The project root.
 * @param bucket The bucket the servers use.
 * @returns The endpoint and credentials.
 */
export async function startSwiftS3(root: string, bucket: string): Promise<Service<S3Service>> {
  const { stdout } = await run("bash", ["scripts/ci/s3-strict.sh"], { cwd: root, timeout: 180_000 });
  const endpoint = /SYNCAGENT_TEST_S3_STRICT_ENDPOINT=(\S+)/.exec(stdout)?.[1];
  const dir = /SYNCAGENT_TEST_S3_STRICT_DIR=(\S+)/.exec(stdout)?.[1];
  if (!endpoint || !dir) throw new Error(`scripts/ci/s3-strict.sh printed no endpoint: ${stdout}`);
  const stop = async (): Promise<void> => void (await run("bash", ["scripts/ci/s3-strict.sh", "stop", dir], { cwd: root, timeout: 60_000 }));
  const value: S3Service = { endpoint, bucket, region: "us-east-1", accessKeyId: "test:tester", secretAccessKey: "testing" };
  try {
    const client = new AwsClient({ accessKeyId: value.accessKeyId, secretAccessKey: value.secretAccessKey, service: "s3", region: value.region, retries: 0 });
    const response = await client.fetch(`${endpoint.replace(/\/+$/, "")}/${bucket}`, { method: "PUT", headers: { "x-amz-content-sha256": EMPTY_SHA256 } });
    const text = await response.text();
    if (!response.ok && !text.includes("BucketAlreadyOwnedByYou")) throw new Error(`Cannot create bucket ${bucket}: ${response.status} ${text}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { value, stop };
}
