/**
 * Sync benchmark: one real `syncagent server` child and two `syncagent
 * agent` children (A and B, `--delay 0`, homes made with `init` and
 * `register`) on 127.0.0.1. Prints one JSON object per result on stdout,
 * notes on stderr:
 * - `sync`: a dataset copied into A's folder before the agents start, timed
 *   from their start until B's tree is byte-identical (count and size polled,
 *   then size + SHA-256 of every file); then a no-change pass
 *   (`syncagent sync --home A --json` with agent A stopped: process time and
 *   the pass's own `seconds`); peak RSS of each agent (VmHWM / VmRSS, 100 ms);
 * - `sync.delta` (datasets with a big file): one byte flipped in the middle of
 *   it, one `syncagent sync` on A: chunks and bytes the server stored anew;
 * - `sync.edit`: a small file rewritten on A, time until B holds it (5 ms polls);
 * - `sync.rename`: a folder of 10,000 files renamed on A, time until B shows
 *   it, and the content bytes that uploaded (0 expected); `sync.edit` and
 *   `sync.rename` run on the pair of the run's first dataset (its tree in place);
 * - with `--peers`: ../shared/peers/run-all.sh on the same datasets, one line per tool.
 *
 * Run: `npm run bench -- sync [--dataset mixed|many|all] [--quick] [--peers] [--peers-only] [--cpu-prof] [--keep]
 * [--mem-probe] [--edits N] [--rename-files N] [--timeout SECONDS]`. `--quick` uses 64 MiB + 500 files and 2,000 small files
 * (the peers then run their `tiny` set); `--cpu-prof` writes the server's and the agents' CPU profiles into the kept work folder;
 * `--mem-probe` (sources on Node only) has each agent log `process.memoryUsage()` every 250 ms into the kept agents.log.
 * Datasets live in $DATA_ROOT (default /tmp/bench-data) and are reused.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { measurePrimitives } from "./_primitives.ts";
import { BIG_FILE, ensureDataset, type DatasetName } from "./sync/datasets.ts";
import { editLatency, percentile, pollUntil, renameFolder } from "./sync/live.ts";
import { peerLines, runPeers } from "./sync/peers.ts";
import { BENCH_PASSWORD, makeHome, MEMORY_PROBE_FLAG, processCpuSeconds, ROOT, runCli, startAgent, startBenchServer, type BenchAgent, type BenchHome } from "./sync/processes.ts";
import { chunkUsage, usageGrowth } from "./sync/server-usage.ts";
import { manifest, sha256File, waitForTree } from "./sync/tree.ts";
import { callControl } from "../../lib/agent/control/client.ts";
import type { AgentStatus } from "../../lib/agent/control/status.ts";
import { homePaths } from "../../lib/agent/home/paths.ts";

const { values } = parseArgs({
  options: {
    dataset: { type: "string", default: "all" },
    quick: { type: "boolean", default: false },
    peers: { type: "boolean", default: false },
    "peers-only": { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    "mem-probe": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    edits: { type: "string" },
    "rename-files": { type: "string" },
    timeout: { type: "string", default: "1800" },
  },
});
if (!["mixed", "many", "all"].includes(values.dataset)) {
  console.error("bench sync: --dataset is mixed, many or all");
  process.exit(2);
}
const QUICK = values.quick;
const EDITS = Number(values.edits ?? (QUICK ? 10 : 20));
const RENAME_FILES = Number(values["rename-files"] ?? (QUICK ? 1000 : 10_000));
const TIMEOUT_MS = Number(values.timeout) * 1000;
const DATA_ROOT = process.env.DATA_ROOT ?? "/tmp/bench-data";
const PEERS_DIR = join(ROOT, "..", "shared", "peers");
const profiles = values.dataset === "all" ? ["mixed", "many"] : [values.dataset];

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
const emit = (o: object): void => void process.stdout.write(JSON.stringify(o) + "\n");
const note = (s: string): void => void process.stderr.write(`bench: ${s}\n`);
const load = (): number => round(loadavg()[0] ?? 0);

interface PassFigures {
  seconds: number;
  passSeconds: number | null;
  peakRssMB: number;
  summary: Record<string, unknown>;
}

/** Whether a running agent says it has nothing to do (idle, nothing queued or in transfer). */
async function agentQuiet(home: BenchHome): Promise<boolean> {
  try {
    const s = (await callControl(homePaths(home.home).controlSocket, "status", undefined, 1000)) as AgentStatus;
    return s.state === "idle" && s.queue === 0 && s.transfers.length === 0;
  } catch {
    return false;
  }
}

async function syncPass(home: BenchHome): Promise<PassFigures> {
  const run = await runCli(["sync", "--home", home.home, "--json"], { SYNCAGENT_PASSWORD: BENCH_PASSWORD });
  let summary: Record<string, unknown> = {};
  try {
    summary = JSON.parse(run.out.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
  } catch {
    note(`sync --json printed no JSON: ${run.out.slice(0, 400)}`);
  }
  if (run.code !== 0) note(`sync --home ${home.name} exited ${run.code}: ${run.err.slice(-800)}`);
  return { seconds: round(run.seconds), passSeconds: typeof summary.seconds === "number" ? round(summary.seconds) : null, peakRssMB: run.peakRssMB, summary };
}

async function flipMiddleByte(path: string): Promise<{ offset: number; value: number }> {
  const handle = await open(path, "r+");
  try {
    const { size } = await handle.stat();
    const offset = Math.floor(size / 2);
    const one = Buffer.alloc(1);
    await handle.read(one, 0, 1, offset);
    one[0] = (one[0] as number) ^ 0xff;
    await handle.write(one, 0, 1, offset);
    return { offset, value: one[0] };
  } finally {
    await handle.close();
  }
}

async function byteAt(path: string, offset: number): Promise<number | undefined> {
  try {
    const handle = await open(path, "r");
    try {
      const one = Buffer.alloc(1);
      const { bytesRead } = await handle.read(one, 0, 1, offset);
      return bytesRead === 1 ? one[0] : undefined;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

async function runDataset(name: DatasetName, work: string, live: boolean): Promise<void> {
  const src = await ensureDataset(DATA_ROOT, name, PEERS_DIR);
  const want = await manifest(src);
  let bytes = 0;
  for (const v of want.values()) bytes += Number(v.split(":")[0]);
  note(`${name}: ${want.size} files, ${bytes} bytes from ${src}; ${cpus().length} cores, load ${load()}`);
  const dir = join(work, name);
  const serverDir = join(dir, "server");
  await mkdir(serverDir, { recursive: true });
  const profDir = join(dir, "cpu-prof");
  const nodeFlags = values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [];
  const server = await startBenchServer(serverDir, nodeFlags);
  const agentFlags = values["mem-probe"] ? [...nodeFlags, MEMORY_PROBE_FLAG] : nodeFlags;
  const agents: BenchAgent[] = [];
  const logLines: string[] = [];
  const log = (line: string): void => {
    logLines.push(line);
    if (/error|fail|refus|conflict|cut|warning/i.test(line)) process.stderr.write(`  ${line}\n`);
  };
  try {
    const a = await makeHome(server, join(dir, "home-a"), join(dir, "a"), "bench-a", true);
    const b = await makeHome(server, join(dir, "home-b"), join(dir, "b"), "bench-b", false);
    await mkdir(a.folder, { recursive: true });
    const copyStart = performance.now();
    const cp = spawnSync("cp", ["-a", `${src}/.`, `${a.folder}/`]);
    if (cp.status !== 0) throw new Error(`cp failed: ${cp.stderr.toString()}`);
    spawnSync("sync");
    note(`${name}: copied into A's folder before the agents start (${round((performance.now() - copyStart) / 1000)} s, not timed)`);

    let agentA = startAgent(a, log, agentFlags);
    const agentB = startAgent(b, log, agentFlags);
    agents.push(agentA, agentB);
    const initial = await waitForTree(
      b.folder,
      want,
      TIMEOUT_MS,
      (s, t) => note(`${name}: ${round(t, 0)} s: B has ${s.files}/${want.size} files, ${round(s.bytes / 2 ** 20, 0)}/${round(bytes / 2 ** 20, 0)} MiB`),
      async () => (await Promise.all([a, b].map(agentQuiet))).every(Boolean),
    );
    note(`${name}: B identical after ${round(initial.seconds)} s (verified in ${round(initial.verifySeconds)} s, ${initial.walks} walks of B's folder)`);
    await agentA.rss.sample();
    await agentB.rss.sample();
    const initialRss = { a: agentA.rss.peakMB, b: agentB.rss.peakMB };
    const initialCpu = { a: await agentA.rss.cpuSeconds(), b: await agentB.rss.cpuSeconds(), server: await processCpuSeconds(server.pid) };

    await agentA.stop();
    const pass = await syncPass(a);
    note(`${name}: no-change pass ${pass.seconds} s (pass ${pass.passSeconds} s): ${JSON.stringify(pass.summary)}`);
    emit({
      bench: "sync",
      dataset: name,
      files: want.size,
      bytes,
      initialSeconds: round(initial.seconds),
      initialMBps: round(bytes / 1e6 / initial.seconds, 1),
      noChangeSeconds: pass.seconds,
      noChangePassSeconds: pass.passSeconds,
      peakRssMB: { ...initialRss, noChangePass: pass.peakRssMB },
      cpuSeconds: initialCpu,
      copiedBeforeAgentsStart: true,
      load: load(),
    });

    const big = BIG_FILE[name];
    if (big) {
      const before = await chunkUsage(serverDir);
      const flip = await flipMiddleByte(join(a.folder, big));
      const started = performance.now();
      const deltaPass = await syncPass(a);
      await pollUntil(async () => (await byteAt(join(b.folder, big), flip.offset)) === flip.value, 20, 600_000, "the edited byte on B");
      const visibleSeconds = (performance.now() - started) / 1000;
      const grown = usageGrowth(before, await chunkUsage(serverDir));
      const same = (await sha256File(join(a.folder, big))) === (await sha256File(join(b.folder, big)));
      emit({
        bench: "sync.delta",
        dataset: name,
        file: big,
        fileBytes: Number(want.get(big)?.split(":")[0]),
        offset: flip.offset,
        chunksUploaded: grown.chunks,
        bytesUploaded: grown.bytes,
        diskBytesAdded: grown.diskBytes,
        syncSeconds: deltaPass.seconds,
        passSeconds: deltaPass.passSeconds,
        visibleOnBSeconds: round(visibleSeconds),
        identical: same,
        load: load(),
      });
    }

    if (live) {
      agentA = startAgent(a, log, agentFlags);
      agents.push(agentA);
      const lat = await editLatency(a.folder, b.folder, EDITS);
      emit({
        bench: "sync.edit",
        dataset: name,
        samples: lat.length,
        medianMs: round(percentile(lat, 50), 1),
        p90Ms: round(percentile(lat, 90), 1),
        minMs: round(lat[0] ?? NaN, 1),
        maxMs: round(lat[lat.length - 1] ?? NaN, 1),
        delaySeconds: 0,
        load: load(),
      });
      const renamed = await renameFolder(a.folder, b.folder, dir, serverDir, RENAME_FILES);
      emit({ bench: "sync.rename", dataset: name, ...renamed, addSeconds: round(renamed.addSeconds), visibleSeconds: round(renamed.visibleSeconds), peakRssMB: { a: agentA.rss.peakMB, b: agentB.rss.peakMB }, load: load() });
    }
    for (const agent of agents) await agent.rss.sample();
    const peakOf = (home: BenchHome): number => Math.max(0, ...agents.filter((x) => x.home === home).map((x) => x.rss.peakMB));
    note(`${name}: peak RSS of the agents over the whole run: A ${peakOf(a)} MiB, B ${peakOf(b)} MiB`);
  } finally {
    for (const agent of agents) await agent.stop();
    await server.stop();
    await writeLog(join(dir, "agents.log"), logLines);
    if (values["cpu-prof"]) note(`${name}: CPU profiles in ${profDir}`);
    if (values["mem-probe"]) note(`${name}: memory samples ("mem …" lines) in ${join(dir, "agents.log")}`);
  }
}

async function writeLog(path: string, lines: string[]): Promise<void> {
  const handle = await open(path, "w");
  await handle.write(lines.join("\n") + "\n");
  await handle.close();
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "syncagent-bench-sync-"));
  note(`work folder ${work}${QUICK ? " (quick)" : ""}; the machine has ${cpus().length} cores shared with other work`);
  emit({ bench: "sync", result: "primitives", ...(await measurePrimitives()), cores: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version, load: load() });
  let failed = false;
  try {
    for (const [i, p] of values["peers-only"] ? [] : profiles.entries()) {
      const name = (QUICK ? `quick-${p}` : p) as DatasetName;
      try {
        await runDataset(name, work, i === 0);
      } catch (error) {
        failed = true;
        note(`${name} failed: ${(error as Error).stack ?? String(error)}`);
        const logFile = join(work, name, "agents.log");
        try {
          note(`last agent lines:\n${(await readFile(logFile, "utf8")).split("\n").slice(-30).join("\n")}`);
        } catch {
          // no log
        }
      }
    }
    if (values.peers || values["peers-only"]) {
      // a fresh folder under $RESULTS (the peers' default /tmp/peers-results), so only this run's files are read and they stay
      const resultsRoot = process.env.RESULTS ?? "/tmp/peers-results";
      await mkdir(resultsRoot, { recursive: true });
      const results = await mkdtemp(join(resultsRoot, "run-"));
      note(`peers' raw results in ${results}`);
      if (runPeers(PEERS_DIR, QUICK ? ["tiny"] : profiles, { DATA_ROOT, RESULTS: results })) for (const line of await peerLines(results)) emit(line);
    }
  } finally {
    if (values.keep || values["cpu-prof"] || values["mem-probe"] || failed) note(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

await main();
