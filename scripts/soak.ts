/**
 * Soak: plays new convergence seeds (tests/convergence) for as long as asked
 * and keeps the failing ones. One JSON line per seed on stdout; a failing
 * seed's violations and schedule go to `<out>/seed-<n>.txt`, to be replayed
 * with `CONVERGENCE_SEEDS=<n> npx vitest run tests/convergence`.
 *
 * Run: `npm run soak -- [--minutes 30] [--steps 60] [--seed N] [--settle-seconds 180] [--out soak-failures]`.
 * A shorter `--settle-seconds` makes a slow settle fail, so its log (each
 * agent's activity included) is kept.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runSeed } from "../tests/convergence/run.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "30" },
    steps: { type: "string", default: "60" },
    seed: { type: "string" },
    out: { type: "string", default: "soak-failures" },
    "settle-seconds": { type: "string", default: "180" },
  },
});
const until = Date.now() + Number(values.minutes) * 60_000;
const steps = Number(values.steps);
const settleTimeoutMs = Number(values["settle-seconds"]) * 1000;
if (!(settleTimeoutMs > 0)) throw new Error(`--settle-seconds must be a positive number, not ${values["settle-seconds"]}`);
let seed = values.seed !== undefined ? Number(values.seed) : (Date.now() ^ (process.pid << 8)) >>> 0;
let runs = 0;
let failures = 0;
do {
  const started = performance.now();
  const result = await runSeed(seed, { steps, settleTimeoutMs });
  runs++;
  const ok = result.violations.length === 0;
  if (!ok) {
    failures++;
    await mkdir(values.out, { recursive: true });
    await writeFile(join(values.out, `seed-${seed}.txt`), [`seed ${seed}, ${steps} steps`, ...result.violations, "--- schedule ---", ...result.log, ""].join("\n"));
  }
  process.stdout.write(`${JSON.stringify({ bench: "soak", seed, steps: result.steps, ok, violations: result.violations.length, skippedOps: result.log.filter((l) => l.includes("(skipped")).length, end: result.log.find((l) => l.startsWith("end:")), settleMs: result.settleMs, seconds: Math.round((performance.now() - started) / 100) / 10 })}\n`);
  seed = (seed + 0x9e3779b9) >>> 0;
} while (Date.now() < until && values.seed === undefined);
process.stdout.write(`${JSON.stringify({ bench: "soak", runs, failures })}\n`);
process.exit(failures > 0 ? 1 : 0);
