// Randomized convergence (A8, A16, C6, Q2): seeded schedules of operations on
// three agents (real processes behind fault proxies) and a real server, with
// crashes, network cuts and server crashes (SIGKILL; seed 310 kills the server
// twice), then every invariant. A failure
// prints the seed and the schedule; CONVERGENCE_SEEDS=1,2,3 replays seeds,
// CONVERGENCE_STEPS sets the length; `npm run soak` draws new seeds.
import { describe, expect, it } from "vitest";
import { runSeed } from "./run.ts";

const SEEDS = (process.env.CONVERGENCE_SEEDS ?? "101,202,310").split(",").map((s) => Number(s.trim())).filter((n) => Number.isInteger(n));
const STEPS = Number(process.env.CONVERGENCE_STEPS ?? 40);

describe("convergence under random schedules and real faults", () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: converges, loses nothing, leaves no temp file, base = disk, server consistent`, async () => {
      const result = await runSeed(seed, { steps: STEPS });
      const report = result.violations.length === 0 ? "" : `\n${result.violations.join("\n")}\n--- schedule (replay: CONVERGENCE_SEEDS=${seed} CONVERGENCE_STEPS=${STEPS}) ---\n${result.log.join("\n")}`;
      expect(result.violations, report).toEqual([]);
    }, 900_000);
  }
});
