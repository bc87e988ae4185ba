/**
 * Checks this machine's verified remote tree against another machine's
 * checkpoint (C6, Q1): pure logic, no I/O. A checkpoint says what its writer
 * verified at one cursor of the change log; a tree read at least as far must
 * hold every node it lists, each at that version or a later one, and at that
 * version the same manifest. A difference means the server hid a node, hid a
 * deletion, rolled a version back or forked it for one machine.
 */
import type { Checkpoint, CheckpointEntry, CheckpointKind } from "../../crypto/checkpoint.ts";

/** What this machine's tree holds for one node. */
export interface TreeEntry {
  version: number;
  hash: string;
  kind: CheckpointKind;
}

/** One difference between the tree and a checkpoint. */
export interface CheckpointFinding {
  /** `missing`: the node is not in the tree; `behind`: at an older version; `forked`: the same version, another manifest. */
  problem: "missing" | "behind" | "forked";
  nodeId: string;
  /** What the checkpoint's writer verified. */
  expected: CheckpointEntry;
  /** What this tree holds (absent when missing). */
  found?: TreeEntry;
}

/** The outcome of one comparison. */
export type CheckpointCheck =
  /** The tree has not read the log as far as the checkpoint: nothing can be said yet. */
  | { status: "ahead" }
  | { status: "ok"; checked: number }
  | { status: "failed"; checked: number; findings: CheckpointFinding[]; total: number };

/** Findings kept in one result (the count says how many there were). */
export const MAX_FINDINGS = 50;

/**
 * Compares a tree with a checkpoint. A node the tree no longer holds at all
 * is not a finding when the checkpoint lists it deleted or inside a deleted
 * folder: the trash's purge erases those for good, and an erased node
 * resurrects nothing.
 * @param checkpoint An opened checkpoint.
 * @param cursor How far this machine has read the change log.
 * @param lookup This machine's verified entry for a node id, if any.
 * @returns `ahead`, `ok`, or `failed` with the first findings and their count.
 */
export function checkAgainstCheckpoint(checkpoint: Checkpoint, cursor: number, lookup: (nodeId: string) => TreeEntry | undefined): CheckpointCheck {
  if (cursor < checkpoint.cursor) return { status: "ahead" };
  const findings: CheckpointFinding[] = [];
  let total = 0;
  const add = (finding: CheckpointFinding) => {
    total++;
    if (findings.length < MAX_FINDINGS) findings.push(finding);
  };
  let byId: Map<string, CheckpointEntry> | undefined;
  /** Deleted, or below a deleted folder, as the checkpoint has it: in the trash, and purged for good maybe. */
  const inTrash = (entry: CheckpointEntry): boolean => {
    byId ??= new Map(checkpoint.entries.map((e) => [e.nodeId, e]));
    const seen = new Set<string>();
    for (let e: CheckpointEntry | undefined = entry; e && !seen.has(e.nodeId); e = byId.get(e.parentId)) {
      if (e.kind === "delete") return true;
      seen.add(e.nodeId);
    }
    return false;
  };
  for (const expected of checkpoint.entries) {
    const found = lookup(expected.nodeId);
    if (!found) {
      if (!inTrash(expected)) add({ problem: "missing", nodeId: expected.nodeId, expected });
    } else if (found.version < expected.version) {
      add({ problem: "behind", nodeId: expected.nodeId, expected, found });
    } else if (found.version === expected.version && found.hash !== expected.hash) {
      add({ problem: "forked", nodeId: expected.nodeId, expected, found });
    }
  }
  const checked = checkpoint.entries.length;
  return total === 0 ? { status: "ok", checked } : { status: "failed", checked, findings, total };
}

/**
 * Picks the checkpoint to check against: the one that reflects the furthest
 * cursor not beyond this machine's (ties: the higher machine id, so every
 * machine picks the same). Older ones are superseded: what they list and the
 * newer one does not was deleted and erased meanwhile.
 * @param checkpoints Opened checkpoints (the newest of each machine).
 * @param cursor How far this machine has read the change log.
 * @returns The checkpoint, or undefined when none is applicable.
 */
export function newestApplicable(checkpoints: readonly Checkpoint[], cursor: number): Checkpoint | undefined {
  let best: Checkpoint | undefined;
  for (const c of checkpoints) {
    if (c.cursor > cursor) continue;
    if (!best || c.cursor > best.cursor || (c.cursor === best.cursor && c.machineId > best.machineId)) best = c;
  }
  return best;
}

/**
 * One line for `sync` and `status`, naming no file (the findings hold node ids only).
 * @param check A failed check.
 * @param writer The machine whose checkpoint it was (its name when known, else its id's start).
 * @returns The message.
 */
export function describeFailure(check: Extract<CheckpointCheck, { status: "failed" }>, writer: string): string {
  const counts = { missing: 0, behind: 0, forked: 0 };
  for (const f of check.findings) counts[f.problem]++;
  const parts = [
    counts.missing ? `${counts.missing} missing` : "",
    counts.behind ? `${counts.behind} at an older version` : "",
    counts.forked ? `${counts.forked} with another version's content` : "",
  ].filter(Boolean);
  const shown = check.total > check.findings.length ? ` (first ${check.findings.length} of ${check.total}: ${parts.join(", ")})` : ` (${parts.join(", ")})`;
  return `Integrity: the server's tree differs from what ${writer} verified: ${check.total} node(s)${shown}`;
}
