/**
 * When a pass may plan only around what changed since a plan with nothing
 * to do (A5, Q2), and what it is told changed.
 */
import { describe, expect, it } from "vitest";
import { PlanFocus } from "../../../lib/agent/engine/plan-focus.ts";
import type { PlanInputs } from "../../../lib/agent/engine/quiet-plan.ts";
import { RevisionMap } from "../../../lib/agent/state/revision-map.ts";
import { ROOT_NODE_ID, type RemoteNode, type SyncedNode } from "../../../lib/agent/tree/nodes.ts";

const content = { size: 1, mtimeMs: 1, mode: 0o644, chunks: [], contentHash: "h" };
const file = (nodeId: string, name: string): SyncedNode => ({ nodeId, parentId: ROOT_NODE_ID, name, kind: "file", version: 1, hash: "v1", content, stamp: { ino: 1, size: 1, mtimeMs: 1, mode: 0o100644 } });

function setup() {
  const synced = new RevisionMap<string, SyncedNode>([["n1", file("n1", "a.txt")]]);
  const remote = new RevisionMap<string, RemoteNode>([["n1", { ...file("n1", "a.txt"), kind: "file" } as unknown as RemoteNode]]);
  const focus = new PlanFocus(synced, remote);
  const suspects = new Set<string>();
  const inputs = (over: Partial<PlanInputs> = {}): PlanInputs => ({
    remote: remote.revision,
    synced: synced.revision,
    failures: 0,
    scan: { entries: new Map(), skipped: [] },
    rules: "",
    suspects,
    at: 1000,
    localChanged: true,
    unstable: 0,
    retryDue: () => false,
    ...over,
  });
  return { synced, remote, focus, inputs };
}

describe("the focus of a pass (A5)", () => {
  it("plans everything until a full plan, then lists what its actions name and what changed since", () => {
    const { synced, remote, focus, inputs } = setup();
    expect(focus.changes(inputs(), 0)).toBeNull();
    focus.planned({ actions: [{ type: "delete-local", nodeId: "n9", path: "gone.txt", kind: "file", expect: { ino: 1, size: 1, mtimeMs: 1, mode: 0o100644 } }], unsyncable: [] }, inputs(), "full");
    const first = focus.changes(inputs(), 0)!;
    expect([...first.nodes]).toEqual(["n9"]);
    expect([...first.paths]).toEqual(["gone.txt"]);
    // A focused plan with work keeps that base; one with nothing to do is the next base.
    focus.planned({ actions: [{ type: "forget", nodeId: "n9" }], unsyncable: [] }, inputs(), "focused");
    expect([...focus.changes(inputs(), 0)!.nodes]).toEqual(["n9"]);
    focus.planned({ actions: [], unsyncable: [] }, inputs(), "focused");
    expect(focus.changes(inputs(), 0)!.nodes.size).toBe(0);
    focus.notePaths(["a.txt", "new/b.txt"]);
    remote.set("n2", { ...file("n2", "c.txt") });
    synced.set("n1", { ...file("n1", "a.txt"), version: 2 });
    const changes = focus.changes(inputs(), 0)!;
    expect([...changes.paths].sort()).toEqual(["a.txt", "new/b.txt"]);
    expect([...changes.nodes].sort()).toEqual(["n1", "n2"]);
    expect(changes.before!.synced.get("n1")!.version).toBe(1);
    expect(changes.before!.remote.has("n2")).toBe(true);
    expect(changes.before!.remote.get("n2")).toBeUndefined();
  });

  it("plans everything after a full scan, with a failure, a file being written, a retry due, or other rules", () => {
    const { focus, inputs } = setup();
    const base = inputs();
    focus.planned({ actions: [], unsyncable: [] }, base, "full");
    expect(focus.changes(inputs(), 0)).not.toBeNull();
    expect(focus.changes(inputs(), 1)).toBeNull();
    expect(focus.changes(inputs({ unstable: 1 }), 0)).toBeNull();
    expect(focus.changes(inputs({ rules: "*.tmp" }), 0)).toBeNull();
    expect(focus.changes(inputs({ suspects: new Set(["x"]) }), 0)).toBeNull();
    expect(focus.changes(inputs({ failures: 3 }), 0)).toBeNull();
    expect(focus.changes(inputs({ retryDue: () => true }), 0)).toBeNull();
    focus.notePaths(["a", "b", "c"]);
    expect(focus.changes(inputs(), 0, 2)).toBeNull(); // more changes than worth focusing on
    expect(focus.changes(inputs(), 0, 3)).not.toBeNull();
    focus.planned({ actions: [], unsyncable: [] }, inputs({ unstable: 1 }), "full");
    expect(focus.changes(inputs(), 0)).toBeNull(); // a file still being written: no base
    focus.fullScan();
    expect(focus.changes(inputs(), 0)).toBeNull();
  });

  it("keeps the base's unsyncable names outside what a focused plan looked at", () => {
    const { focus, inputs } = setup();
    focus.planned({ actions: [], unsyncable: [{ path: "x/CON", nodeId: "n7", reason: "reserved" }, { path: "a.txt", nodeId: "n1", reason: "old" }] }, inputs(), "same");
    const focused = { synced: new Map(), remote: new Map([["n1", {} as RemoteNode]]), local: new Map(), skip: () => false, nameProblem: () => null, newNodeId: () => "n" };
    const merged = focus.unsyncable({ actions: [], unsyncable: [{ path: "b:c", reason: "colon" }] }, focused);
    expect(merged.map((u) => u.path)).toEqual(["x/CON", "b:c"]);
  });
});
