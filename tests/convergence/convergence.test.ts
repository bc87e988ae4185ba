// Randomized convergence (A8, A16, C6, Q2): seeded schedules of operations on
// three agents (real processes behind fault proxies) and a real server, with
// crashes, network cuts and server crashes (SIGKILL; seed 310 kills the server
// twice), then every invariant. Seed 1785795370 (60 steps) removes a folder
// and makes another that takes its inode, which was once taken for a move. A
// failure prints the seed and the schedule; CONVERGENCE_SEEDS=1,2,3 replays
// seeds (`seed:steps` for a length of its own), CONVERGENCE_STEPS sets the
// length; `npm run soak` draws new seeds.
import { describe, expect, it } from "vitest";
import { runSeed } from "./run.ts";

const STEPS = Number(process.env.CONVERGENCE_STEPS ?? 40);
const SEEDS = (process.env.CONVERGENCE_SEEDS ?? "101,202,310,1785795370:60")
  .split(",")
  .map((s) => s.trim().split(":").map(Number))
  .filter(([seed]) => Number.isInteger(seed))
  .map(([seed, steps]) => ({ seed: seed!, steps: Number.isInteger(steps) ? steps! : STEPS }));

describe("convergence under random schedules and real faults", () => {
  for (const { seed, steps } of SEEDS) {
    it(`seed ${seed}: converges, loses nothing, leaves no temp file, base = disk, server consistent, its history as the operations asked`, async () => {
      const result = await runSeed(seed, { steps });
      const report = result.violations.length === 0 ? "" : `\n${result.violations.join("\n")}\n--- schedule (replay: CONVERGENCE_SEEDS=${seed}:${steps}) ---\n${result.log.join("\n")}`;
      expect(result.violations, report).toEqual([]);
    }, 900_000);
  }
});
