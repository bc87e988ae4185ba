// Checking a tree against another machine's checkpoint (C6, Q1): pure logic.
import { describe, expect, it } from "vitest";
import type { Checkpoint, CheckpointEntry } from "../../../lib/crypto/checkpoint.ts";
import { checkAgainstCheckpoint, describeFailure, MAX_FINDINGS, newestApplicable, type TreeEntry } from "../../../lib/agent/checkpoints/verify.ts";
import { suspectPaths } from "../../../lib/agent/checkpoints/suspects.ts";
import type { RemoteNode, SyncedNode } from "../../../lib/agent/tree/nodes.ts";

const id = (n: number): string => n.toString(16).padStart(32, "0");
const h = (n: number): string => n.toString(16).padStart(64, "0");
const entry = (n: number, version: number, kind: CheckpointEntry["kind"] = "file", hash = h(version), parent = 0): CheckpointEntry => ({
  nodeId: id(n),
  parentId: id(parent),
  version,
  hash,
  kind,
});
const cp = (entries: CheckpointEntry[], cursor = 10, machineId = "aa".repeat(16)): Checkpoint => ({ machineId, number: 1, previous: null, cursor, createdAt: 0, entries });
const tree = (rows: [number, number, string?][]): ((nodeId: string) => TreeEntry | undefined) => {
  const m = new Map(rows.map(([n, version, hash]) => [id(n), { version, hash: hash ?? h(version), kind: "file" as const }]));
  return (nodeId) => m.get(nodeId);
};

describe("checking a tree against a checkpoint", () => {
  it("passes a tree at the same versions or newer ones", () => {
    expect(checkAgainstCheckpoint(cp([entry(1, 2), entry(2, 1)]), 10, tree([[1, 2], [2, 5], [3, 1]]))).toEqual({ status: "ok", checked: 2 });
  });

  it("says nothing before the tree has read the log as far as the checkpoint", () => {
    expect(checkAgainstCheckpoint(cp([entry(1, 2)], 20), 19, tree([]))).toEqual({ status: "ahead" });
  });

  it("finds a hidden node, a version rolled back and a forked version", () => {
    const result = checkAgainstCheckpoint(cp([entry(1, 2), entry(2, 3), entry(3, 4)]), 10, tree([[2, 2], [3, 4, h(99)]]));
    expect(result.status).toBe("failed");
    if (result.status !== "failed") return;
    expect(result.findings.map((f) => [f.problem, f.nodeId])).toEqual([["missing", id(1)], ["behind", id(2)], ["forked", id(3)]]);
    expect(describeFailure(result, "laptop")).toBe("Integrity: the server's tree differs from what laptop verified: 3 node(s) (1 missing, 1 at an older version, 1 with another version's content)");
  });

  it("does not count a deletion erased since (a purge), and does count a deletion turned back into a file", () => {
    expect(checkAgainstCheckpoint(cp([entry(1, 3, "delete")]), 10, tree([])).status).toBe("ok");
    // A deleted folder's files and subfolders, purged with it.
    const folder = [entry(1, 2, "delete"), entry(2, 1, "dir", h(1), 1), entry(3, 1, "file", h(1), 2), entry(4, 1, "file")];
    const purged = checkAgainstCheckpoint(cp(folder), 10, tree([]));
    expect(purged.status === "failed" && purged.findings.map((f) => f.nodeId)).toEqual([id(4)]);
    const hidden = checkAgainstCheckpoint(cp([entry(1, 3, "delete")]), 10, tree([[1, 2]]));
    expect(hidden.status === "failed" && hidden.findings[0]?.problem).toBe("behind");
  });

  it("keeps the first findings and counts them all", () => {
    const many = Array.from({ length: MAX_FINDINGS + 7 }, (_, i) => entry(i + 1, 1));
    const result = checkAgainstCheckpoint(cp(many), 10, tree([]));
    expect(result.status === "failed" && [result.findings.length, result.total]).toEqual([MAX_FINDINGS, MAX_FINDINGS + 7]);
    if (result.status === "failed") expect(describeFailure(result, "x")).toContain(`(first ${MAX_FINDINGS} of ${MAX_FINDINGS + 7}: ${MAX_FINDINGS} missing)`);
  });

  it("picks the newest checkpoint not beyond the cursor, the same one on every machine", () => {
    const a = cp([], 5, "aa".repeat(16));
    const b = cp([], 8, "bb".repeat(16));
    const c = cp([], 8, "cc".repeat(16));
    const d = cp([], 30, "dd".repeat(16));
    expect(newestApplicable([a, b, c, d], 10)).toBe(c);
    expect(newestApplicable([d, c, b, a], 10)).toBe(c);
    expect(newestApplicable([d], 10)).toBeUndefined();
  });
});

describe("the paths of suspect nodes", () => {
  const content = { size: 0, mtimeMs: 0, mode: 0, chunks: [], contentHash: "" };
  const remote = new Map<string, RemoteNode>([
    [id(1), { nodeId: id(1), parentId: "0".repeat(32), name: "docs", kind: "dir", version: 1, hash: h(1), content }],
    [id(2), { nodeId: id(2), parentId: id(1), name: "a.txt", kind: "file", version: 1, hash: h(1), content }],
  ]);
  const synced = new Map<string, SyncedNode>([
    [id(3), { nodeId: id(3), parentId: "0".repeat(32), name: "old.txt", kind: "file", version: 1, hash: h(1), content, stamp: { ino: 1, size: 0, mtimeMs: 0, mode: 0 } }],
  ]);

  it("covers a suspect folder's subtree and a synced-only node, and nothing else", () => {
    const test = suspectPaths(new Set([id(1), id(3)]), remote, synced);
    expect(test).not.toBeNull();
    expect(["docs", "docs/a.txt", "old.txt", "docsx", "other.txt"].map((p) => test!(p))).toEqual([true, true, true, false, false]);
  });

  it("is null when there is nothing to leave alone", () => {
    expect(suspectPaths(new Set(), remote, synced)).toBeNull();
    expect(suspectPaths(new Set([id(9)]), remote, synced)).toBeNull();
  });
});
