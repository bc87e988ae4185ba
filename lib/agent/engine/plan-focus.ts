/**
 * When a pass may plan focused (A5, Q2; lib/agent/coordinator/scope.ts):
 * from the last full plan (or focused plan with nothing to do), this keeps
 * what that plan did not find at rest and what changed since (the paths the
 * scan looked at again, the nodes of the synced and remote trees set or
 * deleted), and answers whether the next pass may plan only around them. Anything it cannot list (a full scan, a tree cleared, too many
 * changes) or that acts on paths it does not see (a failure, a file still
 * being written, a retry coming due, other rules or suspects) means a full
 * plan.
 */
import type { Action, Plan, Unsyncable } from "../coordinator/actions.ts";
import type { PlanInput } from "../coordinator/plan.ts";
import type { PlanChanges } from "../coordinator/scope.ts";
import type { RevisionMap } from "../state/revision-map.ts";
import type { RemoteNode, SyncedNode } from "../tree/nodes.ts";
import type { PlanInputs } from "./quiet-plan.ts";

/** Changes listed at most (beyond, planning everything costs as much as focusing). */
export const FOCUS_LIMIT = 20_000;

/**
 * The most nodes and entries a focused input may hold for trees of this size: focusing costs a few times
 * what planning costs per node, so beyond an eighth of the trees a full plan is as quick.
 * @param nodes Nodes of the synced tree.
 * @param entries Entries of the scan.
 * @returns The bound.
 */
export function focusLimit(nodes: number, entries: number): number {
  return Math.min(FOCUS_LIMIT, Math.max(1_000, Math.ceil((nodes + entries) / 8)));
}

/**
 * The nodes and paths an action is about.
 * @param action The action.
 * @returns Its node ids and local paths.
 */
export function actionKeys(action: Action): { nodes: string[]; paths: string[] } {
  const a = action as Partial<{ nodeId: string; node: { nodeId: string }; compareWith: { nodeId: string }; path: string; from: string; to: string }>;
  const nodes = [a.nodeId, a.node?.nodeId, a.compareWith?.nodeId].filter((id): id is string => id !== undefined);
  const paths = [a.path, a.from, a.to].filter((p): p is string => p !== undefined);
  return { nodes, paths };
}

/** The last full plan, or the last focused one with nothing to do. */
interface FocusBase {
  rules: string;
  suspects: ReadonlySet<string>;
  failures: number;
  at: number;
  unsyncable: Unsyncable[];
}

/** What to plan again since the base, for the pass that plans next. */
export class PlanFocus {
  readonly #synced: RevisionMap<string, SyncedNode>;
  readonly #remote: RevisionMap<string, RemoteNode>;
  #base: FocusBase | null = null;
  #paths: Set<string> | null = null;
  /** Nodes the base's plan acted on: planned again whatever came of it. */
  #pending = new Set<string>();

  /**
   * @param synced The synced tree (its changed nodes are listed from the base on).
   * @param remote The remote tree's nodes (the same).
   */
  constructor(synced: RevisionMap<string, SyncedNode>, remote: RevisionMap<string, RemoteNode>) {
    this.#synced = synced;
    this.#remote = remote;
  }

  /**
   * Paths the scan looked at again.
   * @param paths Relative paths.
   */
  notePaths(paths: Iterable<string>): void {
    if (this.#paths === null) return;
    for (const path of paths) this.#paths.add(path);
    if (this.#paths.size > FOCUS_LIMIT) this.#paths = null;
  }

  /** A full scan replaced the scan: nothing tells what changed in it. */
  fullScan(): void {
    this.#paths = null;
  }

  /**
   * What changed since the base, when this pass may plan around it only.
   * @param inputs The pass's inputs.
   * @param failing Failures recorded now (a failure skips paths a focused plan would not see).
   * @param limit The most changes worth focusing on (beyond, nothing is gathered).
   * @returns The changes, or null to plan everything.
   */
  changes(inputs: PlanInputs, failing: number, limit = FOCUS_LIMIT): PlanChanges | null {
    const base = this.#base;
    if (base === null || this.#paths === null || failing > 0 || inputs.unstable > 0) return null;
    if (base.rules !== inputs.rules || base.suspects !== inputs.suspects || base.failures !== inputs.failures) return null;
    if (inputs.retryDue(base.at, inputs.at)) return null;
    const synced = this.#synced.changed;
    const remote = this.#remote.changed;
    if (synced === null || remote === null) return null;
    if (this.#pending.size + synced.size + remote.size + this.#paths.size > limit) return null;
    return { paths: this.#paths, nodes: new Set([...this.#pending, ...synced.keys(), ...remote.keys()]), before: { synced, remote } };
  }

  /**
   * The unsyncable names of a focused plan: its own, and the base's outside what it looked at.
   * @param plan The focused plan.
   * @param focused Its input.
   * @returns Every name that cannot sync now.
   */
  unsyncable(plan: Plan, focused: PlanInput): Unsyncable[] {
    const outside = (this.#base?.unsyncable ?? []).filter((u) => !focused.local.has(u.path) && !(u.nodeId !== undefined && focused.remote.has(u.nodeId)));
    return [...outside, ...plan.unsyncable];
  }

  /**
   * After planning. A full plan is the new base: everything it did not find at rest (acted on, or left for a
   * later pass) is planned again by the next passes, with what changes from now on. A focused plan with nothing to
   * do is the new base too, with nothing pending; one with work keeps the base (its changes are listed).
   * @param plan The plan, with every unsyncable name.
   * @param inputs What it was planned from.
   * @param how How it was planned: in full, focused, or the answer of an earlier plan with the same inputs.
   */
  planned(plan: Plan, inputs: PlanInputs, how: "full" | "focused" | "same"): void {
    if (inputs.unstable > 0) {
      this.#base = null;
      return;
    }
    if (how === "focused" && plan.actions.length > 0) return;
    this.#base = { rules: inputs.rules, suspects: inputs.suspects, failures: inputs.failures, at: inputs.at, unsyncable: plan.unsyncable };
    this.#paths = new Set();
    this.#pending = new Set();
    for (const action of plan.actions) {
      const keys = actionKeys(action);
      for (const id of keys.nodes) this.#pending.add(id);
      for (const path of keys.paths) this.#paths.add(path);
    }
    for (const id of plan.unsettled?.nodes ?? []) this.#pending.add(id);
    for (const path of plan.unsettled?.paths ?? []) this.#paths.add(path);
    this.#synced.track(FOCUS_LIMIT);
    this.#remote.track(FOCUS_LIMIT);
  }
}
