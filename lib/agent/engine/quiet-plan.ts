/**
 * When a pass need not plan (A5): a plan is a pure function of the synced
 * tree, the remote tree, the scan and what is left alone (rules, failures
 * waiting for their retry, files still being written, nodes a checkpoint
 * check contradicts). After a plan with
 * nothing to do, a later pass whose inputs are all the same would plan
 * nothing again: it takes the earlier answer instead of walking every node.
 * Each input is compared by a change counter, never by content; anything
 * uncertain (a full scan, a file still being written, a retry that came due)
 * means planning again.
 */
import type { Plan } from "../coordinator/actions.ts";
import type { ScanResult } from "../scan/scan.ts";

/** What a plan is made from, each input by its change counter or identity. */
interface CountedInputs {
  /** The remote tree's change counter. */
  remote: number;
  /** The synced tree's change counter. */
  synced: number;
  /** The failures' change counter. */
  failures: number;
  /** The scan planned from (a full scan is a new one). */
  scan: ScanResult;
  /** The `.syncignore` rules' text. */
  rules: string;
  /** Nodes a checkpoint check contradicts, left alone (compared by identity). */
  suspects: ReadonlySet<string>;
  /** When it was planned, ms. */
  at: number;
}

/** The inputs of a plan that had nothing to do. */
export interface QuietMark extends CountedInputs {
  /** Names that could not sync then (the same again). */
  unsyncable: Plan["unsyncable"];
}

/** The inputs of the pass about to plan. */
export interface PlanInputs extends CountedInputs {
  /** The scan was patched with paths that changed on disk this pass. */
  localChanged: boolean;
  /** Files still being written (left alone until a time: plan again). */
  unstable: number;
  /** Whether a failing path's retry came due in (from, to]. */
  retryDue: (from: number, to: number) => boolean;
}

/**
 * The earlier plan's answer, when this pass would plan from the same inputs.
 * @param mark The last plan that had nothing to do (null: none, or something was done since).
 * @param now This pass's inputs.
 * @returns The plan to use without planning, or null to plan.
 */
export function quietPlan(mark: QuietMark | null, now: PlanInputs): Plan | null {
  if (mark === null || now.localChanged || now.unstable > 0) return null;
  if (mark.scan !== now.scan || mark.rules !== now.rules || mark.suspects !== now.suspects) return null;
  if (mark.remote !== now.remote || mark.synced !== now.synced || mark.failures !== now.failures) return null;
  if (now.retryDue(mark.at, now.at)) return null;
  return { actions: [], unsyncable: mark.unsyncable };
}

/**
 * The mark a plan leaves for the next pass.
 * @param plan The plan just made.
 * @param inputs What it was made from.
 * @returns A mark when it had nothing to do and nothing was left waiting on time, else null.
 */
export function markQuiet(plan: Plan, inputs: PlanInputs): QuietMark | null {
  if (plan.actions.length > 0 || inputs.unstable > 0) return null;
  return { remote: inputs.remote, synced: inputs.synced, failures: inputs.failures, scan: inputs.scan, rules: inputs.rules, suspects: inputs.suspects, at: inputs.at, unsyncable: plan.unsyncable };
}
