/**
 * s3rver (an S3 protocol server over a temp folder) in a child process on
 * 127.0.0.1 and a random port. A child process, because s3rver's
 * ListObjectsV2 continuation tokens use DES, which Node 20's OpenSSL 3 only
 * offers with `--openssl-legacy-provider`; the flag is set for the child
 * alone, so `npx vitest run` needs nothing from the user.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { waitFor } from "../../helpers/wait.ts";

/** A running s3rver. */
export interface S3rverHandle {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Stops the server process. */
  stop(): Promise<void>;
}

const SERVER_SCRIPT = `
const S3rver = require(process.argv[1]);
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory: process.argv[2],
  configureBuckets: process.argv.slice(3).map((name) => ({ name })),
});
server.run().then(
  (address) => process.stdout.write(JSON.stringify({ port: address.port }) + "\\n"),
  (error) => { console.error(error); process.exit(1); },
);
process.on("SIGTERM", () => server.close().finally(() => process.exit(0)));
`;

/**
 * Starts s3rver storing into `dir`, with `buckets` created up front.
 * @throws Error when it does not report its port within the deadline.
 */
export async function startS3rver(dir: string, buckets: string[]): Promise<S3rverHandle> {
  const modulePath = createRequire(import.meta.url).resolve("s3rver");
  const child = spawn(process.execPath, ["-e", SERVER_SCRIPT, modulePath, dir, ...buckets], {
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --openssl-legacy-provider`.trim() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on("data", (data: Buffer) => (stderr += data.toString()));
  const line = await waitFor(
    "s3rver to report its port",
    () => {
      if (child.exitCode !== null) throw new Error(`s3rver exited (${child.exitCode}): ${stderr}`);
      return stdout.split("\n").find((l) => l.startsWith("{"));
    },
    20_000,
  ).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  const { port } = JSON.parse(line) as { port: number };
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await exited;
}
