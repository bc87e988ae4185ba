/**
 * One property run: a seeded schedule of events against one machine and the
 * server, starting from a synced state, with sync passes in between (some
 * with a step that fails, a step dropped because the disk changed, a commit
 * refused as stale, or an event landing while the pass runs), then passes
 * until nothing is left to do; then the properties are checked.
 */
import type { Action, Plan } from "../../../../lib/agent/coordinator/actions.ts";
import { planSync, type PlanInput } from "../../../../lib/agent/coordinator/plan.ts";
import { depthOf, joinPath } from "../../../../lib/agent/coordinator/tree-paths.ts";
import { localEvent, NAMES, remoteEvent, type EventDone } from "./events.ts";
import { runPlan, type CopyRecord, type Outcome } from "./model-executor.ts";
import { Rng } from "../../../helpers/prng.ts";
import { checkConverged, checkNoFalseConflict, checkNoLoss, checkValidTrees, Ledger, type Violation } from "./properties.ts";
import { World } from "./world.ts";
import { ROOT_NODE_ID } from "../../../../lib/agent/tree/nodes.ts";

/** Passes allowed after the last event before a run counts as not converging. */
export const MAX_QUIET_ROUNDS = 25;

/** How a run went. */
export interface RunResult {
  seed: number;
  log: string[];
  violations: Violation[];
  /** The final state, in text. */
  snapshot: string;
}

/** What can go wrong with each kind of step. */
const OUTCOMES: Record<Action["type"], Outcome[]> = {
  upload: ["fail", "changed", "stale"],
  place: ["fail", "stale"],
  "delete-remote": ["fail", "stale"],
  download: ["fail", "changed"],
  mkdir: ["fail", "changed"],
  "move-local": ["fail", "changed"],
  "delete-local": ["fail", "changed"],
  "set-aside": ["fail"],
  adopt: [],
  forget: [],
};

function seedTree(rng: Rng, w: World): string[] {
  const log: string[] = [];
  const count = rng.int(7);
  for (let i = 0; i < count; i++) {
    const dirs = ["", ...[...w.disk.entries].filter(([p, e]) => e.kind === "dir" && depthOf(p) < 2).map(([p]) => p)];
    const path = joinPath(rng.pick(dirs), rng.pick(NAMES));
    if (w.disk.entries.has(path)) continue;
    const kind = rng.chance(0.4) ? "dir" : "file";
    w.addSynced(path, kind);
    log.push(`synced ${kind} ${path}`);
  }
  return log;
}

function describe(plan: Plan): string {
  return plan.actions.map((a, i) => `${i}:${a.type} ${"path" in a ? a.path : "to" in a ? `${a.from}->${a.to}` : a.nodeId}`).join(", ");
}

/**
 * A cycle in the synced tree, which the planner must never be handed (it walks parents without a guard).
 * @param w The world.
 * @returns A description of the first cycle, or null.
 */
export function syncedCycle(w: World): string | null {
  for (const s of w.synced.values()) {
    const seen: string[] = [];
    for (let id = s.nodeId; id !== ROOT_NODE_ID; id = w.synced.get(id)?.parentId ?? ROOT_NODE_ID) {
      if (seen.includes(id)) return seen.map((x) => `${x} (${w.synced.get(x)!.name}) in ${w.synced.get(x)!.parentId}`).join(", ");
      seen.push(id);
    }
  }
  return null;
}

/** How a world settled. */
export interface Settled {
  /** Whether a pass found nothing left to do within the bound. */
  quiet: boolean;
  /** The passes' plans, one line each. */
  passes: string[];
  copies: CopyRecord[];
}

/**
 * Runs passes (the real planner and the model executor, nothing going wrong) until nothing is left to do.
 * @param w The world (changed in place).
 * @param planner The planner under test.
 * @param rounds At most this many passes.
 * @returns Whether it settled, the plans and the copies made.
 */
export function settle(w: World, planner: (input: PlanInput) => Plan = planSync, rounds = MAX_QUIET_ROUNDS): Settled {
  const out: Settled = { quiet: false, passes: [], copies: [] };
  let skip = new Set<string>();
  for (let round = 0; round < rounds; round++) {
    if (syncedCycle(w) !== null) break;
    const view = w.server.view();
    const plan = planner({ synced: w.synced, remote: view, local: w.disk.scan(), skip: (p) => skip.has(p), nameProblem: () => null, newNodeId: () => w.nodeId("p") });
    if (plan.actions.length === 0 && skip.size === 0) {
      out.quiet = true;
      break;
    }
    out.passes.push(describe(plan));
    const result = runPlan(w, plan, view);
    out.copies.push(...result.copies);
    skip = new Set([...result.failed, ...result.unstable]);
  }
  return out;
}

/**
 * Runs one seed.
 * @param seed The seed.
 * @param maxEvents At most this many events (and passes) before quiescence.
 * @param planner The planner under test (or, with `forWorld`, what makes it for the run's world).
 * @param forWorld Whether `planner` makes the planner from the world.
 * @returns The log, the violations and the final state.
 */
export function runSeed(seed: number, maxEvents = 30, planner: ((input: PlanInput) => Plan) | ((w: World) => (input: PlanInput) => Plan) = planSync, forWorld = false): RunResult {
  const rng = new Rng(seed);
  const w = new World();
  if (forWorld) planner = (planner as (w: World) => (input: PlanInput) => Plan)(w);
  const planFn = planner as (input: PlanInput) => Plan;
  const log = seedTree(rng, w);
  const ledger = new Ledger();
  const copies: CopyRecord[] = [];
  const violations: Violation[] = [];
  let skip = new Set<string>();
  ledger.observe(w, "start");

  const apply = (done: EventDone | null, prefix = "") => {
    if (!done) return;
    log.push(prefix + done.text);
    ledger.release(done.destroyed, w);
  };
  let broken = false;
  let passes = 0;
  const pass = (inject: boolean): boolean => {
    const cycle = broken ? null : syncedCycle(w);
    if (cycle !== null) {
      violations.push({ property: "valid tree", message: `after pass ${passes}: the synced tree has a cycle: ${cycle} (the planner would never return)` });
      broken = true;
    }
    if (broken) return false;
    const view = w.server.view();
    const plan = planFn({ synced: w.synced, remote: view, local: w.disk.scan(), skip: (p) => skip.has(p), nameProblem: () => null, newNodeId: () => w.nodeId("p") });
    if (plan.actions.length === 0 && skip.size === 0) return false;
    log.push(`pass: ${describe(plan) || "(nothing; waiting on " + [...skip].join(", ") + ")"}`);
    const outcomes = new Map<number, Outcome>();
    if (inject && plan.actions.length > 0) {
      if (rng.chance(0.4)) {
        const i = rng.int(plan.actions.length);
        const allowed = OUTCOMES[plan.actions[i]!.type];
        if (allowed.length > 0) {
          const outcome = rng.pick(allowed);
          outcomes.set(i, outcome);
          log.push(`  step ${i}: ${outcome}`);
        }
      }
      if (rng.chance(0.2)) apply(localEvent(rng, w), "  meanwhile ");
      if (rng.chance(0.2)) apply(remoteEvent(rng, w), "  meanwhile ");
    }
    const result = runPlan(w, plan, view, outcomes);
    passes++;
    copies.push(...result.copies);
    skip = new Set([...result.failed, ...result.unstable]);
    if (skip.size > 0) log.push(`  failed or unstable: ${[...skip].join(", ")}`);
    violations.push(...checkValidTrees(w, false).map((v) => ({ ...v, message: `after pass ${passes}: ${v.message}` })));
    return true;
  };

  const events = 1 + rng.int(maxEvents);
  for (let i = 0; i < events; i++) {
    const r = rng.next();
    if (r < 0.4) apply(localEvent(rng, w));
    else if (r < 0.75) apply(remoteEvent(rng, w));
    else pass(true);
    ledger.observe(w, `after step ${i}`);
  }
  let quiet = false;
  for (let round = 0; round < MAX_QUIET_ROUNDS; round++) {
    if (!pass(false)) {
      quiet = true;
      break;
    }
    ledger.observe(w, `quiescence round ${round}`);
  }
  if (broken) log.push("stopped: the synced tree has a cycle");
  else if (!quiet) violations.push({ property: "convergence", message: `still planning after ${MAX_QUIET_ROUNDS} quiet passes` });
  else violations.push(...checkConverged(w));
  if (!broken) violations.push(...checkValidTrees(w), ...checkNoLoss(ledger, w), ...checkNoFalseConflict(copies));
  const unique = new Map(violations.map((v) => [`${v.property}|${v.message}`, v]));
  return { seed, log, violations: [...unique.values()], snapshot: w.snapshot() };
}
