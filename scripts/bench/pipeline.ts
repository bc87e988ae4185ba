/**
 * Benchmark: the upload pipeline (chunk + id + encrypt) on 256 MiB and
 * 1 GiB random files; throughput and peak RSS, flat in file size (issue:
 * ≥ 400 MB/s, peak RSS < 150 MB on 2 cores). One JSON object per result.
 *
 * `npm run bench -- pipeline [--sizes 256,1024] [--runs 3] [--runtimes node,bun]`
 *
 * The worker is bundled to plain JavaScript first, so the figures are the
 * product's (no TypeScript loader in the measured process), on Node (tests,
 * `npm start`) and on Bun (the compiled binary).
 */
import { spawnSync } from "node:child_process";
import { build } from "esbuild";
import { mkdtemp, open, rm } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { measurePrimitives } from "./_primitives.ts";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "256,1024" },
    runs: { type: "string", default: "3" },
    runtimes: { type: "string", default: "node,bun" },
  },
});
const runtimes = (values.runtimes ?? "node,bun").split(",");
const sizesMiB = (values.sizes ?? "256,1024").split(",").map(Number);
const runs = Number(values.runs ?? "3");
const here = dirname(fileURLToPath(import.meta.url));

async function writeRandomFile(path: string, mib: number): Promise<void> {
  const handle = await open(path, "w");
  const block = new Uint8Array(16 << 20);
  try {
    for (let written = 0; written < mib; written += 16) {
      for (let o = 0; o < block.length; o += 65536) crypto.getRandomValues(block.subarray(o, o + 65536));
      await handle.write(block, 0, Math.min(16, mib - written) << 20);
    }
  } finally {
    await handle.close();
  }
}

const primitives = await measurePrimitives();
const serialCryptoMBps = 1 / (1 / primitives.aesGcmMBps + 1 / primitives.hmacSha256MBps);
console.log(JSON.stringify({ bench: "pipeline", result: "primitives", ...primitives, cores: availableParallelism(), cpu: cpus()[0]?.model ?? "unknown", node: process.version }));

const dir = await mkdtemp(join(tmpdir(), "syncagent-bench-"));
const worker = join(dir, "pipeline-worker.mjs");
await build({ entryPoints: [join(here, "_pipeline-worker.ts")], bundle: true, platform: "node", format: "esm", outfile: worker, logLevel: "warning" });
const runtimeCommand: Record<string, string> = { node: process.execPath, bun: join(here, "..", "..", "node_modules", ".bin", "bun") };
try {
  for (const mib of sizesMiB) {
    const file = join(dir, `random-${mib}.bin`);
    await writeRandomFile(file, mib);
    for (const runtime of runtimes) {
      const command = runtimeCommand[runtime];
      if (!command) throw new Error(`Unknown runtime: ${runtime}`);
      const results: Record<string, number>[] = [];
      for (let run = 0; run < runs; run++) {
        const child = spawnSync(command, [worker, file], { encoding: "utf8" });
        if (child.status !== 0) throw new Error(`pipeline worker failed: ${child.stderr}`);
        results.push(JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, number>);
      }
      const median = (key: string) => results.map((r) => r[key] ?? 0).sort((a, b) => a - b)[Math.floor(results.length / 2)] ?? 0;
      const MBps = median("MBps");
      console.log(
        JSON.stringify({
          bench: "pipeline",
          result: `file-${mib}MiB`,
          runtime,
          runs,
          MBps,
          MBpsAll: results.map((r) => r.MBps),
          peakRssMB: Math.max(...results.map((r) => r.peakRssMB ?? 0)),
          chunks: results[0]?.chunks,
          avgChunkMiB: results[0]?.avgChunkMiB,
          fractionOfSerialCrypto: +(MBps / serialCryptoMBps).toFixed(2),
          targetMBps: 400,
          targetPeakRssMB: 150,
          note: "file read from page cache; one process per run",
        }),
      );
    }
    await rm(file);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
