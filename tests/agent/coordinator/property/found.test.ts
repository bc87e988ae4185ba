/**
 * Cases the property runs found, minimised: each is a plain example on the
 * real planner and the model of the executor, marked `it.fails` while the
 * bug it describes stands (remove the mark with the fix).
 */
import { describe, expect, it } from "vitest";
import { ROOT_NODE_ID } from "../../../../lib/agent/tree/nodes.ts";
import { planSync } from "../../../../lib/agent/coordinator/plan.ts";
import { runPlan } from "./model-executor.ts";
import { checkConverged, checkNoFalseConflict, checkNoLoss, Ledger } from "./properties.ts";
import { settle, syncedCycle } from "./run.ts";
import { DIR_CONTENT, fileContent, World } from "./world.ts";

/** Another machine commits a new placement or content for a live node. */
function remoteCommit(w: World, nodeId: string, change: { parentId?: string; name?: string; content?: string }): void {
  const n = w.server.nodes.get(nodeId)!;
  const answer = w.server.commit({
    nodeId,
    kind: n.kind === "dir" ? "dir" : "file",
    parentId: change.parentId ?? n.parentId,
    name: change.name ?? n.name,
    content: change.content !== undefined ? fileContent(change.content, w.tick()) : n.content,
    baseVersion: n.version,
  });
  expect(answer.status).toBe("ok");
}

/** Another machine creates a node. */
function remoteCreate(w: World, name: string, content: string | null): string {
  const nodeId = w.nodeId("r");
  const answer = w.server.commit({ nodeId, kind: content === null ? "dir" : "file", parentId: ROOT_NODE_ID, name, content: content === null ? DIR_CONTENT : fileContent(content, w.tick()), baseVersion: 0 });
  expect(answer.status).toBe("ok");
  return nodeId;
}

/** This machine's user writes a file (in place when it exists). */
function localWrite(w: World, path: string, content: string, newInode = false): void {
  const e = w.disk.entries.get(path);
  w.disk.write(path, content, e && !newInode ? e.ino : w.ino(), w.tick());
}

describe("found by the property runs", () => {
  // A file moved on the server and modified here: the planner moves it locally and keeps the old
  // version as the base (content settled next pass), but the base takes the disk's current stamp
  // (plan.ts: `next.stamp = e.stamp`; the executor also re-reads it after the rename), so the next
  // pass sees no local change: the edit is never uploaded, and the next download over it loses it.
  it("a file modified here and moved there keeps the modification (A16)", () => {
    const w = new World();
    w.addSynced("d", "dir");
    const a = w.addSynced("a", "file");
    const ledger = new Ledger();
    remoteCommit(w, a, { parentId: w.server.dirIdAt("d")!, name: "a" });
    localWrite(w, "a", "edited");
    ledger.observe(w, "after the edit");
    expect(settle(w).quiet).toBe(true);
    remoteCommit(w, a, { content: "theirs" });
    ledger.observe(w, "after their edit");
    expect(settle(w).quiet).toBe(true);
    expect(checkNoLoss(ledger, w)).toEqual([]);
  });

  // Deleted here, renamed (or modified) there, while a new file here holds the name it comes back
  // to: the planner restores it with a download that expects the path free, and uploads the new
  // file under the same name; the download finds the path taken and the commit finds the name
  // taken, every pass, for ever.
  it("a node restored where a new local file stands settles (A16)", () => {
    const w = new World();
    const x = w.addSynced("x", "file");
    remoteCommit(w, x, { name: "y" });
    w.disk.removeTree("x");
    localWrite(w, "y", "mine");
    const settled = settle(w);
    expect(settled.quiet).toBe(true);
  });

  // Renamed here to a name the server gave to a new node meanwhile: the planner commits the rename
  // (refused: name taken) and leaves the new node for "next pass, once the path is free", which it
  // never is.
  it("a local rename onto a name new on the server settles (A8)", () => {
    const w = new World();
    w.addSynced("x", "file");
    remoteCreate(w, "y", "theirs");
    w.disk.rename("x", "y");
    const settled = settle(w);
    expect(settled.quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
  });

  // Renamed there onto a name where this machine has a new file with the same content: the local
  // file is set aside as a conflict copy without comparing contents, leaving two identical files.
  it("a remote rename onto an identical new local file makes no conflict copy (A8)", () => {
    const w = new World();
    const d = w.addSynced("d", "file");
    const same = w.disk.entries.get("d")!.content;
    remoteCommit(w, d, { name: "a" });
    localWrite(w, "a", same);
    const settled = settle(w);
    expect(settled.quiet).toBe(true);
    expect(checkNoFalseConflict(settled.copies)).toEqual([]);
  });

  // Renamed here onto a name the server gave to a new file meanwhile, with the same content: the
  // renamed file is set aside as a conflict copy without comparing contents, leaving two identical
  // files.
  it("a file renamed here onto an identical file new on the server makes no conflict copy (A8)", () => {
    const w = new World();
    w.addSynced("x", "file");
    const same = w.disk.entries.get("x")!.content;
    const ledger = new Ledger();
    w.disk.rename("x", "y");
    remoteCreate(w, "y", same);
    ledger.observe(w, "after the rename");
    const settled = settle(w);
    expect(settled.quiet).toBe(true);
    expect(checkNoFalseConflict(settled.copies)).toEqual([]);
    expect(checkNoLoss(ledger, w)).toEqual([]);
    expect(checkConverged(w)).toEqual([]);
  });

  // Moved there onto a name where this machine has a new file with the server's content, while the
  // file was edited here at its old place: the new local file is set aside as a conflict copy
  // without comparing (the comparison was kept for unedited files), leaving two identical files.
  it("a file edited here and moved there onto an identical new local file makes no conflict copy and keeps the edit (A8, A16)", () => {
    const w = new World();
    const d = w.addSynced("d", "file");
    const same = w.disk.entries.get("d")!.content;
    const ledger = new Ledger();
    remoteCommit(w, d, { name: "a" });
    localWrite(w, "a", same);
    localWrite(w, "d", "edited", true);
    ledger.observe(w, "after the edit");
    const settled = settle(w);
    expect(settled.quiet).toBe(true);
    expect(checkNoFalseConflict(settled.copies)).toEqual([]);
    expect(checkNoLoss(ledger, w)).toEqual([]);
    expect(checkConverged(w)).toEqual([]);
  });

  // A folder and its subfolder swapped on the server (the subfolder moved out to the top, then the
  // folder moved into it): the planner moves the folder first, into the subfolder's new path; the
  // executor's mkdir -p makes a new empty folder there, so the subfolder's own move finds its place
  // taken and is dropped. The synced tree then has the folder inside the subfolder and the
  // subfolder inside the folder: a cycle, and the next planSync never returns (its walks up the
  // synced tree in "undo local deletions" and "collapse deletions" have no guard).
  it("a folder swapped with its subfolder on the server leaves no cycle (A11)", () => {
    const w = new World();
    const p = w.addSynced("p", "dir");
    const c = w.addSynced("p/c", "dir");
    remoteCommit(w, c, { parentId: ROOT_NODE_ID });
    remoteCommit(w, p, { parentId: c });
    const view = w.server.view();
    let n = 0;
    const plan = planSync({ synced: w.synced, remote: view, local: w.disk.scan(), skip: () => false, nameProblem: () => null, newNodeId: () => `n${++n}` });
    runPlan(w, plan, view);
    expect(syncedCycle(w)).toBeNull();
  });

  // The server moved a folder into a folder new there that took its name (a → b/a, then b renamed
  // a): the planner moves the folder into itself, which fails every pass, and the new folder waits
  // for the path the first one never leaves.
  it("a folder moved there into a new folder that took its name steps aside and settles (A11)", () => {
    const w = new World();
    const x = w.addSynced("a", "dir");
    const y = remoteCreate(w, "b", null);
    remoteCommit(w, x, { parentId: y });
    remoteCommit(w, y, { name: "a" });
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
    expect(w.server.pathOf(x)).toBe("a/a");
  });

  // The same with a file edited here: the server moved it into a folder it then named as the file
  // is named here. The file stands where the folder must come, and the folder waits for the path.
  // Stepping aside, it keeps its edit (its base keeps the old stamp), which is uploaded after.
  it("a file moved there into a folder that took its name steps aside and keeps its edit (A11, A16)", () => {
    const w = new World();
    const d = w.addSynced("a", "dir");
    const f = w.addSynced("A", "file");
    const ledger = new Ledger();
    localWrite(w, "A", "edited");
    remoteCommit(w, f, { parentId: d });
    remoteCommit(w, d, { name: "A" });
    ledger.observe(w, "after both");
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
    expect(checkNoLoss(ledger, w)).toEqual([]);
    expect(w.server.pathOf(f)).toBe("A/A");
  });

  // A folder deleted here and given a new file there, while a new file here took its name: the
  // folder is restored with a mkdir that finds the file, so the new file there cannot be written,
  // and once it waits for its retry the folder is deleted there with it (or, when both keep
  // failing, every pass plans the same again).
  it("a folder restored where a new local file stands settles, the file set aside (A16)", () => {
    const w = new World();
    const d = w.addSynced("d", "dir");
    w.disk.removeTree("d");
    localWrite(w, "d", "mine");
    const ledger = new Ledger();
    const x = w.nodeId("r");
    const answer = w.server.commit({ nodeId: x, kind: "file", parentId: d, name: "x", content: fileContent("theirs", w.tick()), baseVersion: 0 });
    expect(answer.status).toBe("ok");
    ledger.observe(w, "after both");
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
    expect(checkNoLoss(ledger, w)).toEqual([]);
    // The folder came back with the new file, not deleted with it into the trash.
    expect(w.server.pathOf(x)).toBe("d/x");
  });

  // A file moved into a folder here, then the folder renamed to the file's old name: the folder is
  // not found by its inode (a synced node is expected at that path, though of another kind), so
  // it is deleted there and sent again as a new folder.
  it("a folder renamed onto the name a file it now holds had keeps its node (A11)", () => {
    const w = new World();
    const f = w.addSynced("f", "file");
    const a = w.addSynced("a", "dir");
    w.disk.rename("f", "a/f");
    w.disk.rename("a", "f");
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
    expect(w.server.pathOf(a)).toBe("f");
    expect(w.server.pathOf(f)).toBe("f/f");
  });

  // A new folder here under a file's name, the file moved into it: the file's commit needs the
  // folder, the folder's commit needs the file's name freed; both are refused every pass.
  it("a new folder that takes the name of the file moved into it settles (A11)", () => {
    const w = new World();
    const f = w.addSynced("A", "file");
    w.disk.rename("A", "x");
    w.disk.mkdir("A", w.ino());
    w.disk.rename("x", "A/A");
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
    expect(w.server.pathOf(f)).toBe("A/A");
  });

  // A folder tree deleted here while the other machine added a file deep inside: the planner
  // restores the folders child first (its walk up from the file pushes each mkdir as it goes), the
  // executor's mkdir of the child finds no parent and fails, and the file's download makes the
  // child folder itself (mkdir -p). The base of that folder keeps the old inode for good: a folder
  // found at its path is never re-stamped, so a later rename of it here reads as a deletion and a
  // new folder (the files inside go to the trash and come back as new nodes).
  it("a folder tree restored under a new file comes back in one pass, its base naming it (A16)", () => {
    const w = new World();
    const top = w.addSynced("A", "dir");
    const inner = w.addSynced("A/a", "dir");
    w.disk.removeTree("A");
    const answer = w.server.commit({ nodeId: w.nodeId("r"), kind: "file", parentId: inner, name: "b", content: fileContent("theirs", w.tick()), baseVersion: 0 });
    expect(answer.status).toBe("ok");
    expect(w.server.pathOf(top)).toBe("A");
    const view = w.server.view();
    let n = 0;
    const plan = planSync({ synced: w.synced, remote: view, local: w.disk.scan(), skip: () => false, nameProblem: () => null, newNodeId: () => `n${++n}` });
    const first = runPlan(w, plan, view);
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
    expect([...first.failed]).toEqual([]);
  });

  // Renamed there onto a path that failed here last pass (waiting for its retry), where a new file
  // here has the server's content: the comparison is skipped for a path left alone, but the new file
  // was set aside all the same, unseen, leaving two identical files.
  it("a remote rename onto a path waiting for its retry leaves the file there alone (A8)", () => {
    const w = new World();
    const x = w.addSynced("x", "file");
    const same = w.disk.entries.get("x")!.content;
    remoteCommit(w, x, { name: "y" });
    localWrite(w, "y", same);
    const view = w.server.view();
    let n = 0;
    const plan = planSync({ synced: w.synced, remote: view, local: w.disk.scan(), skip: (p) => p === "y", nameProblem: () => null, newNodeId: () => `n${++n}` });
    const first = runPlan(w, plan, view);
    const settled = settle(w);
    expect(settled.quiet).toBe(true);
    expect(checkNoFalseConflict([...first.copies, ...settled.copies])).toEqual([]);
    expect(checkConverged(w)).toEqual([]);
  });

  // Two files swapped on the server (through a third name): each one's move finds the other at its
  // place, waits for it to move first ("next pass"), and the plan is empty: the disk keeps them the
  // old way round for good, quietly. The same with a file and a folder, or a ring of three.
  it("two entries swapped on the server are swapped here too (A11)", () => {
    const w = new World();
    const a = w.addSynced("a", "file");
    const b = w.addSynced("b", "dir");
    const c = w.addSynced("c", "file");
    w.addSynced("b/x", "file");
    remoteCommit(w, a, { name: "t" });
    remoteCommit(w, b, { name: "a" });
    remoteCommit(w, c, { name: "b" });
    remoteCommit(w, a, { name: "c" });
    const ledger = new Ledger();
    ledger.observe(w, "after the swap");
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
    expect(checkNoLoss(ledger, w)).toEqual([]);
    expect(w.disk.entries.get("a/x")?.kind).toBe("file");
  });

  // The same swap made here: each one's rename is committed onto the name the other still holds
  // there, both are refused (name taken), and every pass plans the same two commits again.
  it("two entries swapped here are swapped there too (A11)", () => {
    const w = new World();
    const a = w.addSynced("a", "file");
    const b = w.addSynced("b", "dir");
    w.addSynced("b/x", "file");
    w.disk.rename("a", "t");
    w.disk.rename("b", "a");
    w.disk.rename("t", "b");
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
    expect(w.server.pathOf(a)).toBe("b");
    expect(w.server.pathOf(b)).toBe("a");
  });

  // A folder deleted here while the other machine added a file in it, and a file here renamed onto
  // the folder's name: the rename is committed as if the folder's deletion freed the name, but the
  // deletion is undone (the new file brings the folder back), so the rename is refused (name
  // taken) and the folder's mkdir finds the file, every pass.
  it("a file renamed here onto the name of a folder deleted here and restored steps aside (A8, A16)", () => {
    const w = new World();
    const d = w.addSynced("d", "dir");
    const f = w.addSynced("f", "file");
    const ledger = new Ledger();
    w.disk.removeTree("d");
    w.disk.rename("f", "d");
    const x = w.nodeId("r");
    const answer = w.server.commit({ nodeId: x, kind: "file", parentId: d, name: "x", content: fileContent("theirs", w.tick()), baseVersion: 0 });
    expect(answer.status).toBe("ok");
    ledger.observe(w, "after both");
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
    expect(checkNoLoss(ledger, w)).toEqual([]);
    expect(w.server.pathOf(x)).toBe("d/x");
    expect(w.server.pathOf(f)).toMatch(/^d\.conflict-/);
  });

  // Renamed here onto a name the server gave to another synced node (moved there) whose content is
  // the one this file has here, while this file's own node moved on there: it steps aside (two nodes
  // want one name) and its node's newer content comes to the copy's path, so no two files end the
  // same. The check took the stale local copy for the node's content and called it a false conflict.
  it("a file renamed here onto a name another node moved to there steps aside when its own node moved on (A8)", () => {
    const w = new World();
    const f = w.addSynced("f", "file");
    w.addSynced("d", "dir");
    const other = w.addSynced("d/A", "file");
    const mine = w.disk.entries.get("f")!.content;
    w.disk.rename("f", "A");
    remoteCommit(w, other, { parentId: ROOT_NODE_ID, name: "A", content: mine });
    remoteCommit(w, f, { content: "theirs" });
    const ledger = new Ledger();
    ledger.observe(w, "after both");
    const settled = settle(w);
    expect(settled.quiet).toBe(true);
    expect(checkNoFalseConflict(settled.copies)).toEqual([]);
    expect(checkConverged(w)).toEqual([]);
    expect(checkNoLoss(ledger, w)).toEqual([]);
    expect(w.server.pathOf(other)).toBe("A");
    expect(w.server.pathOf(f)).toMatch(/^A\.conflict-/);
  });

  // A folder renamed here (its new path waiting for its retry, so it is not found by its inode and
  // looks deleted here) while the server put it into its own subfolder, moved onto that new name:
  // the subfolder must not wait for the path the folder holds, or the folder's restore at its new
  // path lands inside itself, and the synced tree gets a cycle.
  it("a folder renamed here and waiting for its retry, moved there into its subfolder, leaves no cycle (A11)", () => {
    const w = new World();
    const p = w.addSynced("p", "dir");
    const c = w.addSynced("p/c", "dir");
    w.disk.rename("p/c", "x");
    w.disk.rename("p", "d");
    remoteCommit(w, c, { parentId: ROOT_NODE_ID, name: "d" });
    remoteCommit(w, p, { parentId: c });
    const view = w.server.view();
    let n = 0;
    const plan = planSync({ synced: w.synced, remote: view, local: w.disk.scan(), skip: (path) => path === "d", nameProblem: () => null, newNodeId: () => `n${++n}` });
    runPlan(w, plan, view);
    expect(syncedCycle(w)).toBeNull();
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
  });

  // Renamed here onto a name the server gave to another synced node (moved there) that has the
  // same content: this file was set aside under a conflict name, leaving two identical files.
  it("a file renamed here onto a name another node with its content moved to there takes the name, no copy (A8)", () => {
    const w = new World();
    const f = w.addSynced("f", "file");
    const g = w.addSynced("g", "file");
    const same = w.disk.entries.get("f")!.content;
    const ledger = new Ledger();
    w.disk.rename("f", "A");
    remoteCommit(w, g, { name: "A", content: same });
    ledger.observe(w, "after both");
    const settled = settle(w);
    expect(settled.quiet).toBe(true);
    expect(checkNoFalseConflict(settled.copies)).toEqual([]);
    expect(checkConverged(w)).toEqual([]);
    expect(checkNoLoss(ledger, w)).toEqual([]);
    expect(w.server.pathOf(g)).toBe("A");
    expect(w.server.pathOf(f)).toBeNull();
    expect([...w.disk.entries.keys()]).toEqual(["A"]);
  });

  // The server put a file into a new folder whose name a file here holds, and moved that file onto
  // the first one's name: the folder cannot be made until the file here moves, and the file here
  // waited for the other to leave its name. Each waited for the other, every pass.
  it("two files moved there in a ring through a folder one of them must leave first step aside (A11)", () => {
    const w = new World();
    const b = w.addSynced("b", "file");
    const x = w.addSynced("x", "file");
    remoteCommit(w, b, { name: "tmp" });
    remoteCommit(w, x, { name: "b" });
    const folder = remoteCreate(w, "x", null);
    remoteCommit(w, b, { parentId: folder, name: "a" });
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
    expect(w.server.pathOf(x)).toBe("b");
    expect(w.server.pathOf(b)).toBe("x/a");
  });

  // A folder moved out of its parent here, and the parent moved into it, while the server moved the
  // inner one elsewhere: the parent's move into it was committed in the same pass as the inner one
  // followed the server, and when that failed the base had each folder inside the other.
  it("a folder moved here into its own subfolder, which moved out and failed to follow the server, leaves no cycle (A11)", () => {
    const w = new World();
    const a = w.addSynced("A", "dir");
    const n = w.addSynced("A/N", "dir");
    remoteCommit(w, n, { parentId: ROOT_NODE_ID, name: "b" });
    w.disk.rename("A/N", "N");
    w.disk.rename("A", "N/A");
    const view = w.server.view();
    const plan = planSync({ synced: w.synced, remote: view, local: w.disk.scan(), skip: () => false, nameProblem: () => null, newNodeId: () => "new" });
    const follow = plan.actions.findIndex((action) => action.type === "move-local" && action.nodeId === n);
    expect(follow).toBeGreaterThanOrEqual(0);
    runPlan(w, plan, view, new Map([[follow, "changed"]]));
    expect(syncedCycle(w)).toBeNull();
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
    expect(w.server.pathOf(a)).toBe("b/A");
  });

  // The server moved a folder out of its parent, then the parent into it: the parent followed here in
  // the same pass as the folder, and when the folder's move failed (moved here meanwhile) the base had
  // each inside the other.
  it("a folder the server moved into its own subfolder, which it moved out first, leaves no cycle when that move fails here (A11)", () => {
    const w = new World();
    const a = w.addSynced("A", "dir");
    const b = w.addSynced("A/B", "dir");
    remoteCommit(w, b, { parentId: ROOT_NODE_ID, name: "b" });
    remoteCommit(w, a, { parentId: b, name: "A" });
    const view = w.server.view();
    const plan = planSync({ synced: w.synced, remote: view, local: w.disk.scan(), skip: () => false, nameProblem: () => null, newNodeId: () => "new" });
    const inner = plan.actions.findIndex((action) => action.type === "move-local" && action.nodeId === b);
    expect(inner).toBeGreaterThanOrEqual(0);
    w.disk.rename("A/B", "b"); // the user moves it there first: the planned move finds it gone
    runPlan(w, plan, view, new Map([[inner, "changed"]]));
    expect(syncedCycle(w)).toBeNull();
    expect(settle(w).quiet).toBe(true);
    expect(checkConverged(w)).toEqual([]);
    expect(w.server.pathOf(a)).toBe("b/A");
  });
});

