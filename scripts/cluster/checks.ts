/**
 * The checks of a running cluster, all through the balancer (S6, A13, E5):
 * - `cluster.redeem`: 20 parallel redemptions of one invitation, spread
 *   over the processes, give exactly one machine;
 * - `cluster.fanout`: a file committed through one process reaches the
 *   `/ws/changes` sockets held by the other processes: p99 over N commits,
 *   from sending the commit to the last other-process socket holding it;
 * - `cluster.sync-kill`: two real agents sync a tree while one server
 *   process is killed with SIGKILL mid-sync; they reconnect through the
 *   balancer and finish byte-identical, a last `sync` pass on each finds
 *   nothing to do, and `server check --deep` is clean.
 * Prints one JSON object per result; resolves false when one failed.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import WebSocket from "ws";
import { adminSession, commitFile, invite, putChunk, register, type AdminSession } from "./api.ts";
import { percentile } from "../../lib/server/metrics.ts";
import type { Cluster } from "./cluster.ts";
import { serverDataDir } from "./servers.ts";

/** Options of {@link runChecks}. */
export interface CheckOptions {
  /** Commits measured by the fan-out check. */
  samples: number;
  log: (line: string) => void;
  /** The compiled binary for agents and `server check`, else Node on the sources. */
  binary?: string;
}

const round = (n: number): number => Math.round(n * 100) / 100;

/**
 * Runs every check and prints its result.
 * @param cluster The running cluster.
 * @param options Samples, log and program.
 * @returns Whether every check passed.
 */
export async function runChecks(cluster: Cluster, options: CheckOptions): Promise<boolean> {
  if (options.binary) process.env.SYNCAGENT_BENCH_BIN = options.binary;
  const admin = await adminSession(cluster.url);
  const checks: [string, () => Promise<CheckResult>][] = [
    ["cluster.redeem", () => redeemRace(admin, cluster)],
    // Before the fan-out check, whose opaque test commits no agent could read.
    ["cluster.sync-kill", () => syncWhileKilled(admin, cluster, options)],
    ["cluster.fanout", () => fanout(admin, cluster, options.samples)],
  ];
  let allOk = true;
  for (const [bench, check] of checks) {
    const result = await check().catch((error: unknown): CheckResult => ({ bench, ok: false, error: error instanceof Error ? error.message : String(error) }));
    console.log(JSON.stringify(result));
    allOk &&= result.ok;
  }
  return allOk;
}

/** One check's JSON line. */
type CheckResult = { bench: string; ok: boolean } & Record<string, unknown>;

async function redeemRace(admin: AdminSession, cluster: Cluster): Promise<CheckResult> {
  const code = await invite(admin);
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => register(cluster.url, code, `race-${i}`)));
  const byStatus: Record<string, number> = {};
  const byProcess: Record<string, number> = {};
  for (const a of answers) {
    byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
    byProcess[a.servedBy] = (byProcess[a.servedBy] ?? 0) + 1;
  }
  const ok = byStatus["201"] === 1 && (byStatus["409"] ?? 0) === 19;
  return { bench: "cluster.redeem", ok, redemptions: 20, byStatus, byProcess };
}

interface Watched {
  servedBy: string;
  cursor: number;
  socket: WebSocket;
}

/** Opens `/ws/changes` through the balancer; resolves on `hello` with the process that holds it. */
function watch(url: string, token: string, onMessage: () => void): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, "ws")}/ws/changes`, "syncagent.v1", { headers: { authorization: `Bearer ${token}` } });
    const watched: Watched = { servedBy: "?", cursor: 0, socket };
    socket.on("upgrade", (res) => (watched.servedBy = String(res.headers["x-served-by"] ?? "?")));
    socket.on("message", (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { type: string; cursor?: number };
      if (typeof msg.cursor === "number") watched.cursor = Math.max(watched.cursor, msg.cursor);
      if (msg.type === "hello") resolve(watched);
      onMessage();
    });
    socket.on("error", reject);
  });
}

async function fanout(admin: AdminSession, cluster: Cluster, samples: number): Promise<CheckResult> {
  const machine = await register(cluster.url, await invite(admin), "fanout");
  const token = (machine.body as { token: string }).token;
  const chunk = await putChunk(cluster.url, token);
  let wake: (() => void) | null = null;
  const sockets: Watched[] = [];
  // One socket per process (leastconn spreads them; a few more tries if two land together).
  for (let tries = 0; tries < 12 && new Set(sockets.map((s) => s.servedBy)).size < cluster.servers.length; tries++) {
    const watched = await watch(cluster.url, token, () => wake?.());
    if (sockets.some((s) => s.servedBy === watched.servedBy)) watched.socket.close();
    else sockets.push(watched);
  }
  const latencies: number[] = [];
  const committedBy: Record<string, number> = {};
  for (let i = 0; i < samples * 3 && latencies.length < samples; i++) {
    const started = performance.now();
    const { seq, servedBy } = await commitFile(cluster.url, token, chunk);
    const others = sockets.filter((s) => s.servedBy !== servedBy);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`commit ${seq} through ${servedBy} did not reach the other processes' sockets within 10 s`)), 10_000);
      const check = (): void => {
        if (others.every((s) => s.cursor >= seq)) {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
      };
      wake = check;
      check();
    });
    if (others.length === 0) continue;
    latencies.push(performance.now() - started);
    committedBy[servedBy] = (committedBy[servedBy] ?? 0) + 1;
  }
  for (const s of sockets) s.socket.close();
  latencies.sort((a, b) => a - b);
  const p99 = percentile(latencies, 0.99);
  return {
    bench: "cluster.fanout",
    ok: latencies.length >= samples && p99 < 100,
    samples: latencies.length,
    socketsOn: sockets.map((s) => s.servedBy),
    committedBy,
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(p99),
    maxMs: round(latencies.at(-1) ?? NaN),
    targetP99Ms: 100,
  };
}

/** Versions on the server of the agents' vault: how many, of how many nodes, and how many delete one. */
async function versionCounts(databaseUrl: string): Promise<{ all: number; nodes: number; deletes: number }> {
  const { openDatabase } = await import("../../lib/server/db/open.ts");
  const db = await openDatabase({ url: databaseUrl });
  try {
    // Runs before the fan-out check's commits: only the synced tree has versions then.
    const rs = await db.execute("SELECT count(*) AS n, count(DISTINCT node_id) AS nodes, sum(CASE WHEN kind = 'delete' THEN 1 ELSE 0 END) AS deletes FROM versions");
    const row = rs.rows[0];
    return { all: Number(row?.n ?? 0), nodes: Number(row?.nodes ?? 0), deletes: Number(row?.deletes ?? 0) };
  } finally {
    db.close();
  }
}

/** Writes the tree the agents sync: nested folders of small files and a few larger ones. */
async function writeTree(root: string): Promise<{ files: number; folders: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const folders = new Set<string>();
  for (let d = 0; d < 30; d++) {
    const dir = join(root, `folder-${d}`, `sub-${d % 5}`);
    folders.add(`folder-${d}`).add(`folder-${d}/sub-${d % 5}`);
    await mkdir(dir, { recursive: true });
    for (let f = 0; f < 20; f++) {
      const size = 1024 + ((d * 20 + f) * 7919) % (48 * 1024);
      await writeFile(join(dir, `file-${f}.bin`), randomBytes(size));
      files++;
      bytes += size;
    }
  }
  for (let i = 0; i < 6; i++) {
    const size = 3 * 1024 * 1024 + i;
    await writeFile(join(root, `large-${i}.bin`), randomBytes(size));
    files++;
    bytes += size;
  }
  return { files, folders: folders.size, bytes };
}

/** Runs `syncagent` with the cluster's server settings (database, S3) and resolves its exit code and output. */
function serverCommand(cluster: Cluster, args: string[], binary: string | undefined): Promise<{ code: number | null; out: string }> {
  const flags = [
    "--database-url", cluster.databaseUrl,
    "--data-dir", join(cluster.dir, "check"),
    ...(cluster.s3 ? ["--storage", "s3", "--s3-endpoint", cluster.s3.endpoint, "--s3-bucket", cluster.s3.bucket, "--s3-region", cluster.s3.region, "--s3-prefix", "chunks/"] : ["--chunk-dir", cluster.chunkDir]),
  ];
  const env = { ...process.env, ...(cluster.s3 ? { SYNCAGENT_S3_ACCESS_KEY_ID: cluster.s3.accessKeyId, SYNCAGENT_S3_SECRET_ACCESS_KEY: cluster.s3.secretAccessKey } : {}) };
  const [program, all] = binary ? [binary, [...args, ...flags]] : [process.execPath, ["--import", "tsx", "main.ts", ...args, ...flags]];
  const child = spawn(program, all, { cwd: join(import.meta.dirname, "../.."), env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out })));
}

async function syncWhileKilled(admin: AdminSession, cluster: Cluster, options: CheckOptions): Promise<CheckResult> {
  const bench = await import("../bench/sync/processes.ts");
  const tree = await import("../bench/sync/tree.ts");
  const server = { url: cluster.url, pid: 0, invite: () => invite(admin), stop: () => Promise.resolve() };
  const base = join(cluster.dir, "agents");
  const a = await bench.makeHome(server, join(base, "home-a"), join(base, "folder-a"), "agent-a", true);
  const b = await bench.makeHome(server, join(base, "home-b"), join(base, "folder-b"), "agent-b", false);
  const written = await writeTree(a.folder);
  const want = await tree.manifest(a.folder);
  const lines: string[] = [];
  const keep = (line: string): void => void lines.push(line);
  const started = performance.now();
  const agents = [bench.startAgent(a, keep), bench.startAgent(b, keep)];
  const victim = cluster.servers[1] ?? cluster.servers[0];
  if (!victim) throw new Error("no server process to kill");
  let killedAfter = NaN;
  let killedAtFiles = 0;
  try {
    // Kill a process once B holds a quarter of the files: uploads, downloads and sockets are in flight.
    for (;;) {
      const stats = await tree.treeStats(b.folder);
      if (stats.files >= written.files / 4 || performance.now() - started > 60_000) {
        killedAtFiles = stats.files;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await victim.kill("SIGKILL");
    killedAfter = (performance.now() - started) / 1000;
    options.log(`killed ${victim.name} (SIGKILL) after ${round(killedAfter)} s, B holding ${killedAtFiles}/${written.files} files`);
    const done = await tree.waitForTree(b.folder, want, 240_000, (s, t) => options.log(`B: ${s.files}/${written.files} files after ${Math.round(t)} s`)).catch(async (error: unknown) => {
      options.log(`agent log (last lines):\n${lines.slice(-80).join("\n")}`);
      await diagnose(cluster, [a, b], options.log);
      throw error;
    });
    const seconds = round((performance.now() - started) / 1000);
    await victim.start();
    for (const agent of agents) await agent.stop();
    const passes = [];
    for (const home of [a, b]) {
      const pass = await bench.runCli(["sync", "--home", home.home, "--json"], { SYNCAGENT_PASSWORD: bench.BENCH_PASSWORD });
      const summary = JSON.parse(pass.out.trim().split("\n").at(-1) ?? "{}") as { ok?: boolean; uploaded?: number; downloaded?: number };
      passes.push({ home: home.name, code: pass.code, ok: summary.ok, uploaded: summary.uploaded, downloaded: summary.downloaded });
    }
    const check = await serverCommand(cluster, ["server", "check", "--deep"], options.binary);
    const quiet = passes.every((p) => p.code === 0 && p.ok === true && p.uploaded === 0 && p.downloaded === 0);
    // A one-way sync makes exactly one version per file and folder: a delete, or a file sent twice, is churn.
    const versions = await versionCounts(cluster.databaseUrl);
    const oneEach = versions.deletes === 0 && versions.all === versions.nodes && versions.nodes === written.files + written.folders;
    const ok = check.code === 0 && quiet && oneEach;
    if (!ok) options.log(`agent log:\n${lines.slice(-60).join("\n")}`);
    return {
      bench: "cluster.sync-kill",
      ok,
      files: written.files,
      bytes: written.bytes,
      killed: victim.name,
      killedAfterSeconds: round(killedAfter),
      bHeldFilesWhenKilled: killedAtFiles,
      identicalAfterSeconds: seconds,
      verifySeconds: round(done.verifySeconds),
      lastPasses: passes,
      versions,
      checkDeep: check.out.trim(),
    };
  } finally {
    for (const agent of agents) await agent.stop();
    if (victim.child?.exitCode !== null || victim.child.signalCode !== null) await victim.start();
  }
}

/** Prints what the agents say they are doing and the tail of every server's log: a stalled sync's clues. */
async function diagnose(cluster: Cluster, homes: { name: string; home: string }[], log: (line: string) => void): Promise<void> {
  const bench = await import("../bench/sync/processes.ts");
  for (const home of homes) {
    const status = await bench.runCli(["status", "--home", home.home, "--json"], {});
    log(`${home.name} status:\n${status.out}${status.err}`);
  }
  for (const server of cluster.servers) {
    const text = await readFile(join(serverDataDir(cluster.dir, server.name), "logs", "server.log"), "utf8").catch(() => "(no log)");
    log(`${server.name} log (last lines):\n${text.split("\n").slice(-40).join("\n")}`);
  }
}
