/**
 * The `syncagent server` processes of the cluster: each on its own
 * loopback port and data folder (logs only: sessions, throttling, commands
 * and claims are in the shared database), all on one database and one
 * chunk store, each told the balancer's public URL and to trust its
 * `X-Forwarded-For`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { stopProcess } from "./haproxy.ts";
import type { S3Service } from "./services.ts";

/** How every process is configured. */
export interface ServerSettings {
  root: string;
  /** The compiled binary to run, else Node on the sources. */
  binary?: string;
  databaseUrl: string;
  /** S3 for chunks; without it, one shared local chunk folder. */
  s3?: S3Service;
  /** Shared chunk folder when there is no S3. */
  chunkDir: string;
  publicUrl: string;
  /** Extra `server` flags. */
  extra?: string[];
}

/** One server process, which can be killed and started again. */
export interface ServerProcess {
  name: string;
  port: number;
  url: string;
  /** The current child (replaced by `start`). */
  child: ChildProcess | null;
  /** Starts it (again) and waits until it listens. */
  start(): Promise<void>;
  /** Sends a signal; SIGKILL leaves it dead until `start`. */
  kill(signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Prepares a server process (call `start`).
 * @param settings The shared settings.
 * @param name Its name (`s1`).
 * @param port Its port.
 * @param dataDir Its data folder.
 * @returns The process handle.
 */
export function serverProcess(settings: ServerSettings, name: string, port: number, dataDir: string): ServerProcess {
  const flags = [
    "server",
    "--host", "127.0.0.1",
    "--port", String(port),
    "--data-dir", dataDir,
    "--database-url", settings.databaseUrl,
    "--public-url", settings.publicUrl,
    "--trusted-proxies", "127.0.0.1",
    "--log-level", "warn",
    ...(settings.s3
      ? ["--storage", "s3", "--s3-endpoint", settings.s3.endpoint, "--s3-bucket", settings.s3.bucket, "--s3-region", settings.s3.region, "--s3-prefix", "chunks/"]
      : ["--chunk-dir", settings.chunkDir]),
    ...(settings.extra ?? []),
  ];
  const env = {
    ...process.env,
    ...(settings.s3 ? { SYNCAGENT_S3_ACCESS_KEY_ID: settings.s3.accessKeyId, SYNCAGENT_S3_SECRET_ACCESS_KEY: settings.s3.secretAccessKey } : {}),
  };
  const handle: ServerProcess = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child: null,
    async start() {
      await mkdir(dataDir, { recursive: true });
      const program = settings.binary ?? process.execPath;
      const args = settings.binary ? flags : ["--import", "tsx", "main.ts", ...flags];
      const child = spawn(program, args, { cwd: settings.root, env, stdio: ["ignore", "pipe", "pipe"] });
      handle.child = child;
      let out = "";
      child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s: ${out}`)), 60_000);
        child.stdout?.on("data", (d: Buffer) => {
          out += d.toString();
          if (/listening on http/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited with ${code}: ${out}`));
        });
      });
      child.stdout?.resume();
      child.stderr?.resume();
    },
    async kill(signal) {
      const child = handle.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill(signal);
      await exited;
    },
    async stop() {
      if (handle.child) await stopProcess(handle.child);
    },
  };
  return handle;
}

/**
 * The data folder of a process.
 * @param base The cluster's folder.
 * @param name The process's name.
 * @returns The folder.
 */
export function serverDataDir(base: string, name: string): string {
  return join(base, "servers", name);
}
