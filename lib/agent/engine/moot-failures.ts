/**
 * Failures that no longer stand for anything to do (A7, Q2): a path that
 * failed and was then planned from elsewhere (its folder renamed here, its
 * node moved or deleted there) is never tried again at that path, so its
 * failure would keep the agent in error for good. A failure is settled
 * when its node syncs at any path, or when its retry came due and the plan
 * made then had nothing for its path nor its node.
 */
import type { Action, Plan } from "../coordinator/actions.ts";
import type { Failure } from "../state/failures.ts";

function nodeOf(a: Action): string {
  return a.type === "adopt" ? a.node.nodeId : a.nodeId;
}

function pathsOf(a: Action): string[] {
  if (a.type === "forget") return [];
  if (a.type === "move-local") return [a.from, a.to];
  return [a.path];
}

/**
 * The failures a plan shows to be moot.
 * @param failures The failures as they were when the plan was made.
 * @param plan The plan made with them (paths whose retry was due were planned as any other).
 * @param now The time the plan was made at, ms.
 * @returns The paths whose failures can be forgotten: due at `now` and named by no action.
 */
export function mootFailures(failures: readonly Failure[], plan: Plan, now: number): string[] {
  const due = failures.filter((f) => !f.dead && f.nextAt <= now);
  if (due.length === 0) return [];
  const paths = new Set<string>();
  const nodes = new Set<string>();
  for (const a of plan.actions) {
    nodes.add(nodeOf(a));
    for (const p of pathsOf(a)) paths.add(p);
  }
  return due.filter((f) => !paths.has(f.path) && (f.nodeId === null || !nodes.has(f.nodeId))).map((f) => f.path);
}

/**
 * Failing paths by node, to settle a node's failures wherever it syncs.
 * @param failures The failures.
 * @returns Node id → the paths failing for it.
 */
export function failingByNode(failures: readonly Failure[]): Map<string, string[]> {
  const byNode = new Map<string, string[]>();
  for (const f of failures) {
    if (f.nodeId === null) continue;
    const list = byNode.get(f.nodeId);
    if (list) list.push(f.path);
    else byNode.set(f.nodeId, [f.path]);
  }
  return byNode;
}
