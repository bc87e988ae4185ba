/**
 * The strict S3 service for tests: OpenStack Swift's s3api, which checks
 * SigV4 signatures and payload hashes. Either an already running one named
 * by `SYNCAGENT_TEST_S3_STRICT_ENDPOINT`, or one started from a temp folder
 * by `scripts/ci/s3-strict.sh` when the Swift packages are installed.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AwsClient } from "aws4fetch";
import { XMLParser } from "fast-xml-parser";

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("../../../scripts/ci/s3-strict.sh", import.meta.url));
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** Credentials and region of the strict service (Swift tempauth user `test:tester`). */
export interface StrictS3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** How the strict tests will get their service, decided before any test runs. */
export type StrictS3Plan =
  | { kind: "external"; endpoint: string }
  | { kind: "local" }
  | { kind: "missing-in-ci"; reason: string }
  | { kind: "skip"; reason: string };

/** A running strict service. */
export interface StrictS3 {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Decides, from the environment, whether the strict tests run and against
 * what. They are skipped only when Swift is not installed, no endpoint is
 * given, and `CI` is not `true`; in CI a missing Swift is a failure.
 */
export function planStrictS3(env: Record<string, string | undefined>): StrictS3Plan {
  const endpoint = env.SYNCAGENT_TEST_S3_STRICT_ENDPOINT;
  if (endpoint) return { kind: "external", endpoint };
  if (swiftInstalled(env.PATH ?? "")) return { kind: "local" };
  const reason =
    "OpenStack Swift is not installed; run `scripts/ci/s3-strict.sh install` (Debian packages " +
    "swift-proxy swift-object swift-container swift-account) or set SYNCAGENT_TEST_S3_STRICT_ENDPOINT";
  return env.CI === "true" ? { kind: "missing-in-ci", reason } : { kind: "skip", reason };
}

/** Credentials from `SYNCAGENT_TEST_S3_STRICT_ACCESS_KEY` / `_SECRET_KEY` / `_REGION`, else Swift's test user. */
export function strictS3Credentials(env: Record<string, string | undefined>): StrictS3Credentials {
  return {
    accessKeyId: env.SYNCAGENT_TEST_S3_STRICT_ACCESS_KEY || "test:tester",
    secretAccessKey: env.SYNCAGENT_TEST_S3_STRICT_SECRET_KEY || "testing",
    region: env.SYNCAGENT_TEST_S3_STRICT_REGION || "us-east-1",
  };
}

/**
 * Provides the service the plan names: the external one as is, or a local
 * Swift started by the CI script.
 * @throws Error when the plan says the service is missing (CI) or Swift fails to start.
 */
export async function startStrictS3(plan: StrictS3Plan): Promise<StrictS3> {
  switch (plan.kind) {
    case "external":
      return { endpoint: plan.endpoint, stop: () => Promise.resolve() };
    case "missing-in-ci":
      throw new Error(`The strict S3 tests must run in CI: ${plan.reason}`);
    case "skip":
      throw new Error(`The strict S3 tests are skipped: ${plan.reason}`);
    case "local": {
      const { stdout } = await run("bash", [SCRIPT, "start"], { timeout: 120_000 });
      const values = new Map(
        stdout
          .split("\n")
          .map((line) => line.split("="))
          .filter((parts): parts is [string, string] => parts.length === 2),
      );
      const endpoint = values.get("SYNCAGENT_TEST_S3_STRICT_ENDPOINT");
      const dir = values.get("SYNCAGENT_TEST_S3_STRICT_DIR");
      if (!endpoint || !dir) throw new Error(`scripts/ci/s3-strict.sh start printed no endpoint: ${stdout}`);
      return { endpoint, stop: async () => void (await run("bash", [SCRIPT, "stop", dir], { timeout: 30_000 })) };
    }
  }
}

/** Creates `bucket` (an already existing one is fine). */
export async function createBucket(endpoint: string, credentials: StrictS3Credentials, bucket: string): Promise<void> {
  const client = new AwsClient({ ...credentials, service: "s3", retries: 0 });
  const response = await client.fetch(`${endpoint.replace(/\/+$/, "")}/${bucket}`, {
    method: "PUT",
    headers: { "x-amz-content-sha256": EMPTY_SHA256 },
  });
  const text = await response.text();
  if (!response.ok && !text.includes("BucketAlreadyOwnedByYou")) {
    throw new Error(`Cannot create bucket ${bucket}: ${response.status} ${text}`);
  }
}

/** An incomplete multipart upload, as ListMultipartUploads names it. */
export interface OpenUpload {
  key: string;
  uploadId: string;
}

/**
 * The incomplete multipart uploads of objects under `prefix` (ListMultipartUploads, `GET ?uploads`).
 * @throws Error when the service refuses the listing.
 */
export async function listMultipartUploads(
  endpoint: string,
  credentials: StrictS3Credentials,
  bucket: string,
  prefix: string,
): Promise<OpenUpload[]> {
  const client = new AwsClient({ ...credentials, service: "s3", retries: 0 });
  const url = `${endpoint.replace(/\/+$/, "")}/${bucket}?prefix=${encodeURIComponent(prefix)}&uploads=`;
  const response = await client.fetch(url, { headers: { "x-amz-content-sha256": EMPTY_SHA256 } });
  const text = await response.text();
  if (!response.ok) throw new Error(`Cannot list the multipart uploads of ${bucket}: ${response.status} ${text}`);
  const parser = new XMLParser({ parseTagValue: false, removeNSPrefix: true, isArray: (name) => name === "Upload" });
  const document = parser.parse(text, true) as { ListMultipartUploadsResult?: { Upload?: { Key?: string; UploadId?: string }[] } };
  const result = document.ListMultipartUploadsResult;
  if (result === undefined) throw new Error(`Not a ListMultipartUploadsResult: ${text}`);
  return (result.Upload ?? []).map((upload) => ({ key: upload.Key ?? "", uploadId: upload.UploadId ?? "" }));
}

/**
 * Aborts one multipart upload (AbortMultipartUpload, `DELETE ?uploadId=…`).
 * @throws Error when the service refuses.
 */
export async function abortMultipartUpload(
  endpoint: string,
  credentials: StrictS3Credentials,
  bucket: string,
  upload: OpenUpload,
): Promise<void> {
  const client = new AwsClient({ ...credentials, service: "s3", retries: 0 });
  const url = `${endpoint.replace(/\/+$/, "")}/${bucket}/${upload.key}?uploadId=${encodeURIComponent(upload.uploadId)}`;
  const response = await client.fetch(url, { method: "DELETE", headers: { "x-amz-content-sha256": EMPTY_SHA256 } });
  const text = await response.text();
  if (!response.ok) throw new Error(`Cannot abort upload ${upload.uploadId} of ${upload.key}: ${response.status} ${text}`);
}

function swiftInstalled(path: string): boolean {
  const commands = ["swift-proxy-server", "swift-object-server", "swift-container-server", "swift-account-server", "swift-ring-builder"];
  const dirs = path.split(delimiter).filter(Boolean);
  return commands.every((command) => dirs.some((dir) => existsSync(join(dir, command))));
}
