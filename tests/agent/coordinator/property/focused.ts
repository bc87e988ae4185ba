/**
 * A planner for the property runs that also plans each pass focused on what
 * is left to plan since the engine's base (lib/agent/coordinator/scope.ts),
 * and records every pass where the focused plan differs from the full one.
 * What changed is what the engine would know: the paths the disk saw set
 * or removed (a watcher's events, this machine's own writes) and the nodes
 * whose synced or remote state differs.
 * The full plan is the one carried out.
 */
import type { Plan } from "../../../../lib/agent/coordinator/actions.ts";
import { planSync, type PlanInput } from "../../../../lib/agent/coordinator/plan.ts";
import { focusPlanInput } from "../../../../lib/agent/coordinator/scope.ts";
import { actionKeys } from "../../../../lib/agent/engine/plan-focus.ts";
import { pathResolver } from "../../../../lib/agent/coordinator/tree-paths.ts";
import type { RemoteNode, SyncedNode } from "../../../../lib/agent/tree/nodes.ts";
import type { World } from "./world.ts";

/** The three trees as text, by key, at one pass, and the nodes as they were. */
interface Snapshot {
  synced: Map<string, string>;
  remote: Map<string, string>;
  local: Map<string, string>;
  syncedNodes: Map<string, SyncedNode>;
  remoteNodes: Map<string, RemoteNode>;
}

function snapshot(input: PlanInput): Snapshot {
  const text = <V>(map: ReadonlyMap<string, V>) => new Map([...map].map(([k, v]) => [k, JSON.stringify(v)]));
  const copy = <V>(map: ReadonlyMap<string, V>) => new Map([...map].map(([k, v]) => [k, JSON.parse(JSON.stringify(v)) as V]));
  return { synced: text(input.synced), remote: text(input.remote), local: text(input.local), syncedNodes: copy(input.synced), remoteNodes: copy(input.remote) };
}

/** The nodes of `keys` as the snapshot had them (undefined: absent). */
function before<V>(nodes: Map<string, V>, keys: ReadonlySet<string>): Map<string, V | undefined> {
  return new Map([...keys].map((k) => [k, nodes.get(k)]));
}

function changedKeys(before: Map<string, string>, now: Map<string, string>): Set<string> {
  const keys = new Set<string>();
  for (const [k, v] of now) if (before.get(k) !== v) keys.add(k);
  for (const k of before.keys()) if (!now.has(k)) keys.add(k);
  return keys;
}

/** Whether the pass leaves any path alone (a failure waiting): the engine plans everything then. */
function skipsAny(input: PlanInput): boolean {
  const syncedPath = pathResolver(input.synced);
  const remotePath = pathResolver(input.remote);
  const paths = new Set(input.local.keys());
  for (const id of input.synced.keys()) paths.add(syncedPath(id) ?? "");
  for (const id of input.remote.keys()) paths.add(remotePath(id) ?? "");
  paths.delete("");
  for (const p of paths) if (input.skip(p, false) || input.skip(p, true)) return true;
  return false;
}

/** What a focusing planner saw. */
export interface FocusReport {
  /** Passes planned both ways and compared. */
  compared: number;
  /** Passes whose focused plan differed, with both plans. */
  mismatches: string[];
  /** The largest focused input against the full one (entries), for a sense of the narrowing. */
  narrowest: { focused: number; full: number } | null;
}

/**
 * A planner that checks focused plans against full ones.
 * @param report Filled as passes are planned.
 * @param world The run's world: its disk tells the paths touched, as a watcher would.
 * @returns The planner (it returns the full plan).
 */
export function focusingPlanner(report: FocusReport, world: World): (input: PlanInput) => Plan {
  // As the engine keeps it (lib/agent/engine/plan-focus.ts): the base is the last full plan, or the last focused
  // one with nothing to do; what the base did not find at rest is planned again whatever came of it.
  let mark: Snapshot | null = null;
  let pending = { nodes: new Set<string>(), paths: new Set<string>() };
  let touched = new Set<string>();
  let mustPlanAll = false;
  const rebase = (now: Snapshot, plan: Plan) => {
    mark = now;
    touched = new Set();
    pending = { nodes: new Set(), paths: new Set() };
    for (const action of plan.actions) {
      const keys = actionKeys(action);
      for (const id of keys.nodes) pending.nodes.add(id);
      for (const path of keys.paths) pending.paths.add(path);
    }
    for (const id of plan.unsettled?.nodes ?? []) pending.nodes.add(id);
    for (const path of plan.unsettled?.paths ?? []) pending.paths.add(path);
  };
  return (input) => {
    for (const path of world.disk.takeTouched()) touched.add(path);
    const ids: string[] = [];
    const full = planSync({
      ...input,
      newNodeId: () => {
        const id = input.newNodeId();
        ids.push(id);
        return id;
      },
    });
    const now = snapshot(input);
    // A path left alone (a failure) makes the engine plan everything, now and once it clears.
    const skipping = skipsAny(input);
    if (mark === null || skipping || mustPlanAll) {
      mustPlanAll = skipping;
      rebase(now, full);
      return full;
    }
    const base: Snapshot = mark;
    const nodes = new Set([...pending.nodes, ...changedKeys(base.synced, now.synced), ...changedKeys(base.remote, now.remote)]);
    const paths = new Set([...pending.paths, ...changedKeys(base.local, now.local), ...touched]);
    const was = { synced: before(base.syncedNodes, nodes), remote: before(base.remoteNodes, nodes) };
    const focused = focusPlanInput(input, { nodes, paths, before: was }, Number.POSITIVE_INFINITY)!;
    let i = 0;
    const plan = planSync({ ...focused, newNodeId: () => ids[i++] ?? `extra-${i}` });
    report.compared++;
    const size = focused.synced.size + focused.remote.size + focused.local.size;
    const whole = input.synced.size + input.remote.size + input.local.size;
    if (report.narrowest === null || size / whole < report.narrowest.focused / report.narrowest.full) report.narrowest = { focused: size, full: whole };
    if (JSON.stringify([plan.actions, plan.unsyncable]) !== JSON.stringify([full.actions, full.unsyncable])) {
      report.mismatches.push(
        [`changed nodes: ${[...nodes].join(", ")}; paths: ${[...paths].join(", ")}`, `full:    ${JSON.stringify(full.actions)}`, `focused: ${JSON.stringify(plan.actions)}`].join("\n"),
      );
    }
    if (full.actions.length === 0) rebase(now, full);
    return full;
  };
}
