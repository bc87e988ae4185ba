/**
 * Server benchmark: a real `syncagent server` child on 127.0.0.1 with the
 * default SQLite store, driven over HTTP and WebSocket. Prints one JSON
 * object per result on stdout:
 * - `server.commits.single`: sustained single-item commits/s (target ≥ 1,000);
 * - `server.commits.batched`: items/s with several items per commit request;
 * - `server.ws.fanout`: with 200 `/ws/changes` subscribers, the time from
 *   sending a commit to every subscriber holding its notification (p99 < 100 ms);
 * - `server.rename`: renaming a folder with 50,000 descendants (< 100 ms), scripts/bench/server-rename.ts.
 *
 * - `server.chunks.upload|download|put`: chunk transfers, scripts/bench/server-chunks.ts.
 * Each result carries `serverCpuSeconds`, the server process's CPU time
 * during it (Linux), the figure that is least disturbed by a busy machine.
 *
 * Run: `npx tsx scripts/bench/server.ts [--seconds N] [--concurrency N] [--subscribers N] [--only commits,fanout,rename,chunks,put] [--cpu-prof DIR] [--database-url URL] [--processes N [--postgres] [--s3]]`
 * (`--cpu-prof` writes the server's V8 CPU profile into DIR; `--database-url`
 * runs the server on that database, e.g. `postgres://…?schema=NAME` with the
 * schema created, instead of a fresh SQLite file; each result names its
 * `database`).
 *
 * `--processes N` runs N server processes on one database behind HAProxy
 * (scripts/cluster): one SQLite file, or with `--postgres` a throwaway
 * PostgreSQL cluster; chunks in one local folder, or with `--s3` in Swift's
 * S3. The figures are then taken through the balancer, the subscribers
 * spread over the processes, and `serverCpuSeconds` sums every process.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { createAdmin } from "../../lib/server/accounts/accounts.ts";
import { createInvitation } from "../../lib/server/invitations/invitations.ts";
import { openDatabase } from "../../lib/server/db/open.ts";
import { percentile } from "../../lib/server/metrics.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "32" },
    batch: { type: "string", default: "100" },
    subscribers: { type: "string", default: "200" },
    samples: { type: "string", default: "200" },
    only: { type: "string", default: "commits,fanout,rename,chunks,put" },
    "cpu-prof": { type: "string" },
    "database-url": { type: "string" },
    processes: { type: "string" },
    postgres: { type: "boolean", default: false },
    s3: { type: "boolean", default: false },
  },
});
const PROCESSES = values.processes === undefined ? undefined : Number(values.processes);
const DATABASE = values["database-url"];
const DATABASE_KIND = values.postgres || (DATABASE && /^postgres(ql)?:/.test(DATABASE)) ? "postgres" : "sqlite";
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const BATCH = Number(values.batch);
const SUBSCRIBERS = Number(values.subscribers);
const SAMPLES = Number(values.samples);
const ONLY = new Set(values.only.split(","));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function hex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}
const b64 = (n: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString("base64");
const round = (n: number): number => Math.round(n * 100) / 100;

/**
 * CPU seconds (user + system) a process has used so far, from /proc; 0 where there is no /proc.
 * @param pid The process.
 * @returns Seconds.
 */
export function cpuSecondsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ");
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; clock ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function startServer(dataDir: string): Promise<{ url: string; pid: number | undefined; stop: () => Promise<void> }> {
  const profile = values["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", values["cpu-prof"]] : [];
  const database = DATABASE ? ["--database-url", DATABASE] : [];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", "main.ts", "server", "--port", "0", "--data-dir", dataDir, ...database, "--log-level", "warn", "--max-sockets-per-machine", String(SUBSCRIBERS + 4)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  child.stdout.resume();
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.on("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function provision(dataDir: string): Promise<string> {
  const db = await openDatabase({ url: DATABASE ?? `file:${join(dataDir, "syncagent.db")}` });
  try {
    const admin = await createAdmin(db, { username: "admin", password: "benchmark password 1" }, Date.now());
    const invitation = await createInvitation(db, { ...admin, createdBy: "cli" }, Date.now(), 3_600_000);
    return invitation.code;
  } finally {
    db.close();
  }
}

async function register(url: string, invitation: string): Promise<string> {
  const res = await fetch(`${url}/api/machines/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ invitation, name: "bench", platform: "linux" }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

interface CommitResult {
  status: string;
  seq: number;
}

// node:http with keep-alive: a lighter client than fetch, so the figures measure the server.
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

async function commit(url: string, token: string, items: object[]): Promise<CommitResult[]> {
  const body = JSON.stringify({ items });
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${url}/api/commits`, {
      method: "POST",
      agent,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    req.on("response", (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (data += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: data }));
    });
    req.on("error", reject);
    req.end(body);
  });
  if (status !== 200) throw new Error(`commit: ${status} ${text}`);
  return (JSON.parse(text) as { results: CommitResult[] }).results;
}

function newItem(chunk: string): object {
  const b64url = (n: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString("base64url");
  return { opId: `bench_${hex(12)}`, nodeId: hex(16), parentId: "0".repeat(32), baseVersion: 0, kind: "file", encName: b64url(40), manifest: b64url(200), chunks: [chunk] };
}

async function sustained(url: string, token: string, chunk: string, perRequest: number): Promise<{ requests: number; items: number; ms: number; lat: number[] }> {
  const lat: number[] = [];
  let requests = 0;
  let items = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const results = await commit(url, token, Array.from({ length: perRequest }, () => newItem(chunk)));
        lat.push(performance.now() - t);
        requests++;
        items += results.filter((r) => r.status === "ok").length;
      }
    }),
  );
  return { requests, items, ms: performance.now() - start, lat: lat.sort((a, b) => a - b) };
}

async function fanout(url: string, token: string, chunk: string): Promise<object> {
  const sockets: WebSocket[] = [];
  const cursors: number[] = new Array<number>(SUBSCRIBERS).fill(0);
  let waiter: (() => void) | null = null;
  await Promise.all(
    Array.from({ length: SUBSCRIBERS }, (_, i) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`${url.replace(/^http/, "ws")}/ws/changes`, { headers: { authorization: `Bearer ${token}` } });
        ws.on("message", (data: Buffer) => {
          const msg = JSON.parse(data.toString()) as { type: string; cursor?: number };
          if (typeof msg.cursor === "number") cursors[i] = Math.max(cursors[i] ?? 0, msg.cursor);
          if (msg.type === "hello") resolve();
          else waiter?.();
        });
        ws.on("error", reject);
        sockets.push(ws);
      }),
    ),
  );
  const lat: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t = performance.now();
    const [result] = await commit(url, token, [newItem(chunk)]);
    const seq = result?.seq ?? Infinity;
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (cursors.every((c) => c >= seq)) {
          waiter = null;
          resolve();
        }
      };
      waiter = check;
      check();
    });
    lat.push(performance.now() - t);
  }
  for (const ws of sockets) ws.close();
  lat.sort((a, b) => a - b);
  return {
    bench: "server.ws.fanout",
    subscribers: SUBSCRIBERS,
    samples: SAMPLES,
    p50Ms: round(percentile(lat, 0.5)),
    p99Ms: round(percentile(lat, 0.99)),
    maxMs: round(lat.at(-1) ?? 0),
    targetP99Ms: 100,
    meetsTarget: percentile(lat, 0.99) < 100,
  };
}

/** What the figures are taken against: one server child, or a cluster behind its balancer. */
interface Target {
  url: string;
  /** The invitation the benchmark's machine redeems. */
  invitation: string;
  /** CPU seconds used so far by every server process. */
  cpu: () => number;
  processes: number;
  stop: () => Promise<void>;
}

async function singleServer(): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), "syncagent-bench-"));
  const invitation = await provision(dataDir);
  const server = await startServer(dataDir);
  return {
    url: server.url,
    invitation,
    cpu: () => cpuSecondsOf(server.pid),
    processes: 1,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function clusterTarget(processes: number): Promise<Target> {
  const { startCluster } = await import("../cluster/cluster.ts");
  const { adminSession, invite } = await import("../cluster/api.ts");
  const cluster = await startCluster({
    processes,
    postgres: values.postgres,
    s3: values.s3,
    serverFlags: ["--max-sockets-per-machine", String(SUBSCRIBERS + 4)],
    log: (line) => process.stderr.write(`bench: ${line}\n`),
  });
  try {
    const invitation = await invite(await adminSession(cluster.url));
    return {
      url: cluster.url,
      invitation,
      cpu: () => cluster.servers.reduce((sum, s) => sum + cpuSecondsOf(s.child?.pid), 0),
      processes,
      stop: () => cluster.stop(),
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

// The machine the figures come from: they scale with free cores (client and server share them).
console.log(JSON.stringify({ bench: "server.env", node: process.version, cpus: cpus().length, loadAvg1: round(loadavg()[0] ?? 0), database: DATABASE_KIND, processes: PROCESSES ?? 1, balancer: PROCESSES !== undefined }));
const target = PROCESSES === undefined ? await singleServer() : await clusterTarget(PROCESSES);
try {
  const token = await register(target.url, target.invitation);
  const chunk = hex(32);
  const put = await fetch(`${target.url}/api/chunks/${chunk}`, { method: "PUT", headers: { authorization: `Bearer ${token}` }, body: b64(3000) });
  if (put.status !== 201) throw new Error(`chunk upload: ${put.status}`);
  const tags = { database: DATABASE_KIND, processes: target.processes, balancer: PROCESSES !== undefined };
  /** Prints a result with the servers' CPU seconds spent producing it. */
  const withCpu = async (run: () => Promise<object>): Promise<void> => {
    const before = target.cpu();
    const result = await run();
    console.log(JSON.stringify({ ...result, ...tags, serverCpuSeconds: round(target.cpu() - before) }));
  };
  if (ONLY.has("commits")) {
    await sustained(target.url, token, chunk, 1); // warm-up
    await withCpu(async () => {
      const single = await sustained(target.url, token, chunk, 1);
      const singleRate = single.items / (single.ms / 1000);
      return {
        bench: "server.commits.single",
        commitsPerSec: Math.round(singleRate),
        items: single.items,
        concurrency: CONCURRENCY,
        seconds: SECONDS,
        p50Ms: round(percentile(single.lat, 0.5)),
        p99Ms: round(percentile(single.lat, 0.99)),
        target: 1000,
        meetsTarget: singleRate >= 1000,
      };
    });
    await withCpu(async () => {
      const batched = await sustained(target.url, token, chunk, BATCH);
      const batchedRate = batched.items / (batched.ms / 1000);
      return {
        bench: "server.commits.batched",
        itemsPerSec: Math.round(batchedRate),
        items: batched.items,
        requestsPerSec: Math.round(batched.requests / (batched.ms / 1000)),
        itemsPerRequest: BATCH,
        concurrency: CONCURRENCY,
        seconds: SECONDS,
        p50Ms: round(percentile(batched.lat, 0.5)),
        p99Ms: round(percentile(batched.lat, 0.99)),
        target: 1000,
        meetsTarget: batchedRate >= 1000,
      };
    });
  }
  if (ONLY.has("fanout")) await withCpu(() => fanout(target.url, token, chunk));
  if (ONLY.has("rename")) await withCpu(async () => (await import("./server-rename.ts")).renameBench((items) => commit(target.url, token, items)));
  const chunks = await import("./server-chunks.ts");
  if (ONLY.has("chunks")) await chunks.benchChunks(target.url, token, {}, target.cpu, tags);
  if (ONLY.has("put")) await chunks.benchPuts(target.url, token, {}, target.cpu, tags);
} finally {
  agent.destroy();
  await target.stop();
}
