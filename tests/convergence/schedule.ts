/**
 * The random schedule of a convergence run: operations on each agent's
 * folder and faults, drawn from a seed. Pure: the same seed and options give
 * the same schedule, whatever happened on disk (an operation whose target is
 * gone when it runs is skipped and logged, not re-drawn).
 */
import { Rng } from "../helpers/prng.ts";

/** What one step does to one agent's folder. */
export type FolderOp =
  | { kind: "write"; path: string; size: number; fill: number }
  | { kind: "append"; path: string; size: number; fill: number }
  | { kind: "truncate"; path: string; size: number }
  | { kind: "editor-save"; path: string; size: number; fill: number; times: number }
  | { kind: "delete"; path: string }
  | { kind: "rename"; from: string; to: string }
  | { kind: "mkdir"; path: string }
  | { kind: "rmdir"; path: string }
  | { kind: "replace-with-folder"; path: string }
  | { kind: "touch"; path: string }
  | { kind: "ignore-rule"; rule: string };

/** A fault injected between operations. */
export type Fault =
  | { kind: "kill-agent"; agent: number }
  | { kind: "network-down"; agent: number; steps: number }
  | { kind: "crash-server" };

/** One step of a schedule. */
export type Step = { at: "agent"; agent: number; op: FolderOp } | { at: "fault"; fault: Fault } | { at: "settle" };

/** Options of {@link makeSchedule}. */
export interface ScheduleOptions {
  agents: number;
  steps: number;
  /** Probability of a fault at a step. @default 0.08 */
  faultRate?: number;
  /** Probability of a pause until everything syncs (so later steps act on shared files). @default 0.1 */
  settleRate?: number;
  /** Allow the server restart fault. @default true */
  serverRestarts?: boolean;
}

const DIRS = ["", "docs", "docs/deep", "photos", "Docs", "café", "cafe\u0301"];
const FILES = ["a.txt", "b.bin", "A.txt", "notes.md", "résumé.txt", "re\u0301sume\u0301.txt", "empty", "big.dat"];

function pathIn(rng: Rng): string {
  const dir = rng.pick(DIRS);
  const name = rng.pick(FILES);
  return dir === "" ? name : `${dir}/${name}`;
}

function sizeFor(rng: Rng, path: string): number {
  if (path.endsWith("empty")) return 0;
  if (path.endsWith("big.dat")) return rng.between(1, 3) * 1024 * 1024 + rng.between(0, 4095);
  return rng.pick([1, 10, 100, 4096, 70_000, 300_000]);
}

function drawOp(rng: Rng): FolderOp {
  const roll = rng.next();
  const path = pathIn(rng);
  const fill = rng.between(0, 0xffff);
  if (roll < 0.3) return { kind: "write", path, size: sizeFor(rng, path), fill };
  if (roll < 0.38) return { kind: "append", path, size: rng.between(1, 5000), fill };
  if (roll < 0.43) return { kind: "truncate", path, size: rng.between(0, 50) };
  if (roll < 0.5) return { kind: "editor-save", path, size: sizeFor(rng, path), fill, times: rng.between(2, 10) };
  if (roll < 0.6) return { kind: "delete", path };
  if (roll < 0.72) {
    const from = rng.chance(0.3) ? rng.pick(DIRS.filter((d) => d !== "")) : path;
    const to = from.includes(".") || FILES.some((f) => from.endsWith(f)) ? pathIn(rng) : rng.pick(DIRS.filter((d) => d !== "" && d !== from)) + (rng.chance(0.5) ? "/moved" : "-renamed");
    return { kind: "rename", from, to };
  }
  if (roll < 0.8) return { kind: "mkdir", path: rng.pick(DIRS.filter((d) => d !== "")) + (rng.chance(0.5) ? "/new" : "") };
  if (roll < 0.85) return { kind: "rmdir", path: rng.pick(DIRS.filter((d) => d !== "")) };
  if (roll < 0.89) return { kind: "replace-with-folder", path };
  if (roll < 0.96) return { kind: "touch", path };
  return { kind: "ignore-rule", rule: rng.pick(["*.md", "photos/", "!keep.md", "*.tmp"]) };
}

/**
 * Draws a schedule.
 * @param seed The seed.
 * @param options How many agents and steps, and the fault rates.
 * @returns The steps, in order.
 */
export function makeSchedule(seed: number, options: ScheduleOptions): Step[] {
  const rng = new Rng(seed);
  const steps: Step[] = [];
  const faultRate = options.faultRate ?? 0.08;
  const settleRate = options.settleRate ?? 0.1;
  for (let i = 0; i < options.steps; i++) {
    const roll = rng.next();
    if (roll < faultRate) {
      const f = rng.next();
      const agent = rng.between(0, options.agents - 1);
      if (f < 0.45) steps.push({ at: "fault", fault: { kind: "kill-agent", agent } });
      else if (f < 0.85 || options.serverRestarts === false) steps.push({ at: "fault", fault: { kind: "network-down", agent, steps: rng.between(1, 6) } });
      else steps.push({ at: "fault", fault: { kind: "crash-server" } });
    } else if (roll < faultRate + settleRate) {
      steps.push({ at: "settle" });
    } else {
      steps.push({ at: "agent", agent: rng.between(0, options.agents - 1), op: drawOp(rng) });
    }
  }
  return steps;
}

/**
 * A step as one short line, for the log printed when a run fails.
 * @param step The step.
 * @returns The line.
 */
export function describeStep(step: Step): string {
  if (step.at === "settle") return "settle";
  if (step.at === "fault") return `fault ${JSON.stringify(step.fault)}`;
  return `agent ${step.agent}: ${JSON.stringify(step.op)}`;
}
