/**
 * A throwaway cluster on loopback: PostgreSQL (or one SQLite file), Swift's
 * S3 (or one chunk folder), N `syncagent server` processes and HAProxy in
 * front. Everything it starts lives in one temp folder and is stopped by
 * `stop`, also when a later part fails to start.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHaproxy, type RunningHaproxy } from "./haproxy.ts";
import { freePort } from "./ports.ts";
import { serverDataDir, serverProcess, type ServerProcess } from "./servers.ts";
import { startPostgres, startSwiftS3, type S3Service } from "./services.ts";

/** The project root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** What to start. */
export interface ClusterOptions {
  /** Server processes behind the balancer. @default 3 */
  processes?: number;
  /** PostgreSQL (true) or one SQLite file (false). @default true */
  postgres?: boolean;
  /** Swift's S3 (true) or one local chunk folder (false). @default true */
  s3?: boolean;
  /** The compiled binary, else Node on the sources. */
  binary?: string;
  /** Extra `server` flags for every process. */
  serverFlags?: string[];
  /** Progress lines. */
  log?: (line: string) => void;
}

/** A running cluster. */
export interface Cluster {
  /** The balancer's URL: what agents and browsers use. */
  url: string;
  servers: ServerProcess[];
  databaseUrl: string;
  s3: S3Service | undefined;
  chunkDir: string;
  dir: string;
  /** Stops everything started, in reverse order, and removes the folder. */
  stop: () => Promise<void>;
}

/**
 * Starts the cluster.
 * @param options What to start.
 * @returns The running cluster.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), "syncagent-cluster-"));
  // PostgreSQL runs as its own user when we are root: it must reach its folder.
  await chmod(dir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const fn of stops.reverse()) await fn().catch((error: unknown) => log(`stop failed: ${(error as Error).message}`));
    stops.length = 0;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    let databaseUrl = `file:${join(dir, "syncagent.db")}`;
    if (options.postgres ?? true) {
      log("starting PostgreSQL");
      const pg = await startPostgres(ROOT, join(dir, "postgres"), "syncagent");
      stops.push(pg.stop);
      databaseUrl = pg.value;
    }
    let s3: S3Service | undefined;
    if (options.s3 ?? true) {
      log("starting Swift's S3");
      const swift = await startSwiftS3(ROOT, "syncagent-chunks");
      stops.push(swift.stop);
      s3 = swift.value;
    }
    const count = options.processes ?? 3;
    const lbPort = await freePort();
    const publicUrl = `http://127.0.0.1:${lbPort}`;
    const chunkDir = join(dir, "chunks");
    const settings = { root: ROOT, databaseUrl, chunkDir, publicUrl, ...(s3 ? { s3 } : {}), ...(options.binary ? { binary: options.binary } : {}), extra: options.serverFlags ?? [] };
    const servers: ServerProcess[] = [];
    for (let i = 1; i <= count; i++) {
      const name = `s${i}`;
      servers.push(serverProcess(settings, name, await freePort(), serverDataDir(dir, name)));
    }
    // The first one alone runs the migrations; the others start on a ready schema.
    log(`starting ${count} server process(es)`);
    const [first, ...rest] = servers;
    for (const server of servers) stops.push(() => server.stop());
    await first?.start();
    await Promise.all(rest.map((s) => s.start()));
    log("starting HAProxy");
    const haproxy: RunningHaproxy = await startHaproxy(dir, {
      bind: `127.0.0.1:${lbPort}`,
      backends: servers.map((s) => ({ name: s.name, host: "127.0.0.1", port: s.port })),
    });
    stops.push(haproxy.stop);
    await waitHealthy(haproxy.url, 15_000);
    return { url: haproxy.url, servers, databaseUrl, s3, chunkDir, dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits until the balancer answers `/api/health` with 200. */
async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.status === 200) return;
      last = `${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`The balancer at ${url} is not healthy after ${timeoutMs} ms (${last})`);
}
