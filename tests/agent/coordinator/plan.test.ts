import { describe, expect, it } from "vitest";
import type { Action, Plan } from "../../../lib/agent/coordinator/actions.ts";
import { planSync, stampChanged } from "../../../lib/agent/coordinator/plan.ts";
import { compileIgnoreRules } from "../../../lib/agent/scan/ignore-rules.ts";
import { ROOT_NODE_ID, type Content, type LocalEntry, type LocalStamp, type RemoteNode, type SyncedNode } from "../../../lib/agent/tree/nodes.ts";

const ROOT = ROOT_NODE_ID;

function content(hash: string, size = 5): Content {
  return { size, mtimeMs: 100, mode: 0o644, chunks: [], contentHash: hash };
}

function fileStamp(ino: number, size = 5, mtimeMs = 100): LocalStamp {
  return { ino, size, mtimeMs, mode: 0o100644 };
}

function dirStamp(ino: number): LocalStamp {
  return { ino, size: 0, mtimeMs: 0, mode: 0o40755 };
}

const EMPTY: Content = { size: 0, mtimeMs: 0, mode: 0o755, chunks: [], contentHash: "" };

/** A synced file at version 1, its stamp from `ino`. */
function sFile(nodeId: string, parentId: string, name: string, ino: number): SyncedNode {
  return { nodeId, parentId, name, kind: "file", version: 1, hash: `h-${nodeId}-1`, content: content(`c-${nodeId}`), stamp: fileStamp(ino) };
}

/** A synced folder at version 1. */
function sDir(nodeId: string, parentId: string, name: string, ino: number): SyncedNode {
  return { nodeId, parentId, name, kind: "dir", version: 1, hash: `h-${nodeId}-1`, content: EMPTY, stamp: dirStamp(ino) };
}

/** The remote side of a synced node, unchanged unless `changes` say otherwise. */
function remoteOf(s: SyncedNode, changes: Partial<RemoteNode> = {}): RemoteNode {
  return { nodeId: s.nodeId, parentId: s.parentId, name: s.name, kind: s.kind, version: s.version, hash: s.hash, content: s.content, ...changes };
}

/** A newer remote version of `s`: version 2 and its hash, plus `changes`. */
function remoteV2(s: SyncedNode, changes: Partial<RemoteNode> = {}): RemoteNode {
  return remoteOf(s, { version: 2, hash: `h-${s.nodeId}-2`, ...changes });
}

/** A remote node this machine never synced. */
function rNew(nodeId: string, parentId: string, name: string, kind: "file" | "dir"): RemoteNode {
  return { nodeId, parentId, name, kind, version: 1, hash: `h-${nodeId}-1`, content: kind === "file" ? content(`c-${nodeId}`) : EMPTY };
}

/** The remote deletion of a synced node. */
function tombstone(s: SyncedNode): RemoteNode {
  return remoteV2(s, { kind: "deleted", content: { ...EMPTY, mode: 0 } });
}

/** The disk entry of a synced node at `path` (its stamp unchanged unless given). */
function at(path: string, s: SyncedNode, stamp: LocalStamp = s.stamp): LocalEntry {
  return { path, kind: s.kind, stamp };
}

function localFile(path: string, ino: number, size = 5, mtimeMs = 100): LocalEntry {
  return { path, kind: "file", stamp: fileStamp(ino, size, mtimeMs) };
}

function localDir(path: string, ino: number): LocalEntry {
  return { path, kind: "dir", stamp: dirStamp(ino) };
}

interface World {
  synced?: SyncedNode[];
  remote?: RemoteNode[];
  local?: LocalEntry[];
  skip?: (path: string, isDir: boolean) => boolean;
  nameProblem?: (name: string) => string | null;
}

function run(w: World): Plan {
  let n = 0;
  return planSync({
    synced: new Map((w.synced ?? []).map((s) => [s.nodeId, s])),
    remote: new Map((w.remote ?? []).map((r) => [r.nodeId, r])),
    local: new Map((w.local ?? []).map((e) => [e.path, e])),
    skip: w.skip ?? (() => false),
    nameProblem: w.nameProblem ?? (() => null),
    newNodeId: () => `new-${++n}`,
  });
}

function types(plan: Plan): string[] {
  return plan.actions.map((a) => a.type);
}

function only<T extends Action["type"]>(plan: Plan, type: T): Array<Extract<Action, { type: T }>> {
  return plan.actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);
}

// The fixture: a.txt at the root, folder d with x.txt and y.txt.
const A = sFile("fa", ROOT, "a.txt", 10);
const D = sDir("dd", ROOT, "d", 20);
const X = sFile("fx", "dd", "x.txt", 21);
const Y = sFile("fy", "dd", "y.txt", 22);
const EDITED = fileStamp(10, 6, 200);

describe("stampChanged", () => {
  it.each([
    ["same", fileStamp(1), false],
    ["size", fileStamp(1, 6), true],
    ["mtime", fileStamp(1, 5, 101), true],
    ["inode", fileStamp(2), true],
    ["permissions", { ...fileStamp(1), mode: 0o100755 }, true],
    ["file type bits only", { ...fileStamp(1), mode: 0o644 }, false],
  ])("%s", (_what, now, changed) => {
    expect(stampChanged(fileStamp(1), now)).toBe(changed);
  });
});

describe("planSync: one side changed (A5)", () => {
  it.each<[string, World, Array<Record<string, unknown>>]>([
    ["nothing changed: nothing to do", { synced: [A], remote: [remoteOf(A)], local: [at("a.txt", A)] }, []],
    [
      "remote modified: download, expecting the disk unchanged",
      { synced: [A], remote: [remoteV2(A, { content: content("c-new", 9) })], local: [at("a.txt", A)] },
      [{ type: "download", nodeId: "fa", path: "a.txt", expectLocal: A.stamp, remote: { version: 2, content: { contentHash: "c-new" } } }],
    ],
    [
      "remote new version with the same content: adopt, nothing transferred",
      { synced: [A], remote: [remoteV2(A)], local: [at("a.txt", A)] },
      [{ type: "adopt", path: "a.txt", node: { nodeId: "fa", version: 2, hash: "h-fa-2", stamp: A.stamp } }],
    ],
    [
      "remote mode change: download",
      { synced: [A], remote: [remoteV2(A, { content: { ...A.content, mode: 0o755 } })], local: [at("a.txt", A)] },
      [{ type: "download", nodeId: "fa", path: "a.txt" }],
    ],
    [
      "remote moved: move locally",
      { synced: [A], remote: [remoteV2(A, { name: "b.txt" })], local: [at("a.txt", A)] },
      [{ type: "move-local", nodeId: "fa", from: "a.txt", to: "b.txt", kind: "file", next: { name: "b.txt", parentId: ROOT, version: 2, hash: "h-fa-2" } }],
    ],
    [
      "remote moved into a folder and modified: move now, content next pass",
      { synced: [A, D], remote: [remoteV2(A, { parentId: "dd", content: content("c-new") }), remoteOf(D)], local: [at("a.txt", A), at("d", D)] },
      [{ type: "move-local", nodeId: "fa", from: "a.txt", to: "d/a.txt", next: { name: "a.txt", parentId: "dd", version: 1, hash: "h-fa-1" } }],
    ],
    [
      "remote deleted: delete locally, only if the file is unchanged",
      { synced: [A], remote: [tombstone(A)], local: [at("a.txt", A)] },
      [{ type: "delete-local", nodeId: "fa", path: "a.txt", kind: "file", expect: A.stamp }],
    ],
    [
      "the server lost the node (absent, no tombstone): never deleted here, sent again as a new node",
      { synced: [A], remote: [], local: [at("a.txt", A)] },
      [{ type: "forget", nodeId: "fa" }, { type: "upload", path: "a.txt", baseVersion: 0 }],
    ],
    [
      "local modified: upload on the synced base",
      { synced: [A], remote: [remoteOf(A)], local: [at("a.txt", A, EDITED)] },
      [{ type: "upload", nodeId: "fa", path: "a.txt", stamp: EDITED, placement: { parentId: ROOT, name: "a.txt" }, baseVersion: 1, baseHash: "h-fa-1" }],
    ],
    [
      "local moved (same inode, size and mtime): commit the move",
      { synced: [A], remote: [remoteOf(A)], local: [at("b.txt", A)] },
      [{ type: "place", nodeId: "fa", kind: "file", path: "b.txt", placement: { parentId: ROOT, name: "b.txt" }, baseVersion: 1, baseHash: "h-fa-1", content: A.content }],
    ],
    [
      "local deleted: commit the deletion",
      { synced: [A], remote: [remoteOf(A)], local: [] },
      [{ type: "delete-remote", nodeId: "fa", path: "a.txt", placement: { parentId: ROOT, name: "a.txt" }, baseVersion: 1, baseHash: "h-fa-1" }],
    ],
    ["deleted on both sides: forget", { synced: [A], remote: [tombstone(A)], local: [] }, [{ type: "forget", nodeId: "fa" }]],
    [
      "new local file: upload as a new node",
      { local: [localFile("n.txt", 50)] },
      [{ type: "upload", nodeId: "new-1", path: "n.txt", placement: { parentId: ROOT, name: "n.txt" }, baseVersion: 0, baseHash: "" }],
    ],
    [
      "new remote file: download",
      { remote: [rNew("rn", ROOT, "n.txt", "file")] },
      [{ type: "download", nodeId: "rn", path: "n.txt", expectLocal: null }],
    ],
  ])("%s", (_what, world, expected) => {
    const plan = run(world);
    expect(plan.actions).toMatchObject(expected);
    expect(plan.unsyncable).toEqual([]);
  });

  it("uploads the files of a new local folder under the folder's new id", () => {
    const plan = run({ local: [localFile("n/deep/f.txt", 52), localDir("n", 50), localDir("n/deep", 51)] });
    expect(plan.actions).toMatchObject([
      { type: "place", kind: "dir", path: "n", nodeId: "new-1", placement: { parentId: ROOT, name: "n" }, baseVersion: 0 },
      { type: "place", kind: "dir", path: "n/deep", nodeId: "new-2", placement: { parentId: "new-1", name: "deep" } },
      { type: "upload", path: "n/deep/f.txt", nodeId: "new-3", placement: { parentId: "new-2", name: "f.txt" } },
    ]);
  });

  it("downloads a new remote tree top-down", () => {
    const plan = run({ remote: [rNew("rf", "rd", "f.txt", "file"), rNew("rd", ROOT, "n", "dir")] });
    expect(plan.actions).toMatchObject([
      { type: "mkdir", nodeId: "rd", path: "n" },
      { type: "download", nodeId: "rf", path: "n/f.txt", expectLocal: null },
    ]);
  });
});

describe("planSync: both sides changed (A8, A16)", () => {
  it("both modified: upload on the remote head, compared with it afterwards", () => {
    const r = remoteV2(A, { content: content("c-theirs") });
    const plan = run({ synced: [A], remote: [r], local: [at("a.txt", A, EDITED)] });
    expect(plan.actions).toEqual([
      { type: "upload", nodeId: "fa", path: "a.txt", stamp: EDITED, placement: { parentId: ROOT, name: "a.txt" }, baseVersion: 2, baseHash: "h-fa-2", compareWith: r },
    ]);
  });

  it("local modified, remote moved: move locally first, keeping the synced version and stamp so the edit uploads next pass", () => {
    const plan = run({ synced: [A], remote: [remoteV2(A, { name: "b.txt" })], local: [at("a.txt", A, EDITED)] });
    expect(plan.actions).toMatchObject([{ type: "move-local", from: "a.txt", to: "b.txt", next: { name: "b.txt", version: 1, hash: "h-fa-1", stamp: A.stamp } }]);
  });

  it("local moved, remote modified: download at the new place (the move is committed next pass)", () => {
    const plan = run({ synced: [A], remote: [remoteV2(A, { content: content("c-new") })], local: [at("b.txt", A)] });
    expect(plan.actions).toMatchObject([{ type: "download", nodeId: "fa", path: "b.txt", expectLocal: A.stamp }]);
  });

  it("local moved, remote moved elsewhere: the server's placement wins", () => {
    const plan = run({ synced: [A], remote: [remoteV2(A, { name: "theirs.txt" })], local: [at("mine.txt", A)] });
    expect(plan.actions).toMatchObject([{ type: "move-local", from: "mine.txt", to: "theirs.txt" }]);
  });

  it("local moved, remote deleted: delete at the new place", () => {
    const plan = run({ synced: [A], remote: [tombstone(A)], local: [at("b.txt", A)] });
    expect(plan.actions).toMatchObject([{ type: "delete-local", nodeId: "fa", path: "b.txt" }]);
  });

  it("local modified, remote deleted: the file survives as a new node", () => {
    const plan = run({ synced: [A], remote: [tombstone(A)], local: [at("a.txt", A, EDITED)] });
    expect(types(plan)).toEqual(["forget", "upload"]);
    expect(plan.actions).toMatchObject([
      { type: "forget", nodeId: "fa" },
      { type: "upload", nodeId: "new-1", path: "a.txt", stamp: EDITED, placement: { parentId: ROOT, name: "a.txt" }, baseVersion: 0, baseHash: "" },
    ]);
    expect(only(plan, "delete-local")).toEqual([]);
  });

  it("local modified below a folder deleted remotely: the folder is re-created with a new id, its unchanged files deleted", () => {
    const plan = run({
      synced: [D, X, Y],
      remote: [tombstone(D), tombstone(X), tombstone(Y)],
      local: [at("d", D), at("d/x.txt", X, fileStamp(21, 9, 300)), at("d/y.txt", Y)],
    });
    const forgotten = only(plan, "forget").map((a) => a.nodeId);
    expect(forgotten.sort()).toEqual(["dd", "fx"]);
    expect(only(plan, "delete-local")).toMatchObject([{ nodeId: "fy", path: "d/y.txt" }]);
    const place = only(plan, "place");
    expect(place).toMatchObject([{ kind: "dir", path: "d", placement: { parentId: ROOT, name: "d" }, baseVersion: 0 }]);
    const dirId = place[0]!.nodeId;
    expect(dirId).not.toBe("dd");
    const upload = only(plan, "upload");
    expect(upload).toMatchObject([{ path: "d/x.txt", placement: { parentId: dirId, name: "x.txt" }, baseVersion: 0, baseHash: "" }]);
    expect(upload[0]!.nodeId).not.toBe("fx");
    expect(upload[0]!.nodeId).not.toBe(dirId);
  });

  it("a new local file in a folder deleted remotely keeps the folder (re-created as a new node)", () => {
    const plan = run({ synced: [D], remote: [tombstone(D)], local: [at("d", D), localFile("d/new.txt", 60)] });
    expect(only(plan, "delete-local")).toEqual([]);
    expect(plan.actions).toMatchObject([
      { type: "forget", nodeId: "dd" },
      { type: "place", kind: "dir", path: "d", nodeId: "new-1" },
      { type: "upload", path: "d/new.txt", nodeId: "new-2", placement: { parentId: "new-1", name: "new.txt" } },
    ]);
  });

  it("local deleted, remote modified: download (restore) and no deletion committed", () => {
    const r = remoteV2(A, { content: content("c-new") });
    const plan = run({ synced: [A], remote: [r], local: [] });
    expect(plan.actions).toEqual([{ type: "download", nodeId: "fa", path: "a.txt", remote: r, expectLocal: null }]);
  });

  it("local deleted, remote moved: download at the remote place", () => {
    const plan = run({ synced: [A], remote: [remoteV2(A, { name: "b.txt" })], local: [] });
    expect(plan.actions).toMatchObject([{ type: "download", nodeId: "fa", path: "b.txt", expectLocal: null }]);
  });

  it("folder deleted locally, a file in it modified remotely: the file is restored and the folder's deletion cancelled", () => {
    const rx = remoteV2(X, { content: content("c-new") });
    const plan = run({ synced: [D, X, Y], remote: [remoteOf(D), rx, remoteOf(Y)], local: [] });
    expect(only(plan, "download")).toMatchObject([{ nodeId: "fx", path: "d/x.txt", expectLocal: null }]);
    expect(only(plan, "mkdir")).toMatchObject([{ nodeId: "dd", path: "d" }]);
    // The sibling nobody changed stays deleted: committed alone now that its folder is kept.
    expect(only(plan, "delete-remote")).toMatchObject([{ nodeId: "fy", path: "d/y.txt", baseVersion: 1 }]);
    expect(plan.actions).toHaveLength(3);
  });

  it("folder deleted locally, a file in it moved out remotely: the file is restored where it went, the folder stays deleted", () => {
    const plan = run({ synced: [D, X], remote: [remoteOf(D), remoteV2(X, { parentId: ROOT })], local: [] });
    expect(plan.actions).toMatchObject([
      { type: "download", nodeId: "fx", path: "x.txt", expectLocal: null },
      { type: "delete-remote", nodeId: "dd", path: "d" },
    ]);
    expect(plan.actions).toHaveLength(2);
  });

  it("folder deleted locally, a file moved into it remotely: the folder is kept", () => {
    const plan = run({ synced: [A, D], remote: [remoteV2(A, { parentId: "dd" }), remoteOf(D)], local: [] });
    expect(only(plan, "delete-remote")).toEqual([]);
    expect(only(plan, "download")).toMatchObject([{ nodeId: "fa", path: "d/a.txt" }]);
    expect(only(plan, "mkdir")).toMatchObject([{ nodeId: "dd", path: "d" }]);
  });

  it("a new remote file inside a folder deleted locally brings the folder back", () => {
    const plan = run({ synced: [D], remote: [remoteOf(D), rNew("rn", "dd", "n.txt", "file")], local: [] });
    expect(only(plan, "delete-remote")).toEqual([]);
    expect(only(plan, "download")).toMatchObject([{ nodeId: "rn", path: "d/n.txt" }]);
    expect(only(plan, "mkdir")).toMatchObject([{ nodeId: "dd", path: "d" }]);
  });
});

describe("planSync: folders move and go as one (A5)", () => {
  it("a folder deleted locally with its files: one deletion, the files forgotten", () => {
    const plan = run({ synced: [D, X, Y], remote: [remoteOf(D), remoteOf(X), remoteOf(Y)], local: [] });
    expect(only(plan, "delete-remote")).toEqual([
      { type: "delete-remote", nodeId: "dd", path: "d", placement: { parentId: ROOT, name: "d" }, baseVersion: 1, baseHash: "h-dd-1" },
    ]);
    expect(
      only(plan, "forget")
        .map((a) => a.nodeId)
        .sort(),
    ).toEqual(["fx", "fy"]);
    expect(plan.actions).toHaveLength(3);
  });

  it("a folder moved locally: one place action, the files inside untouched", () => {
    const plan = run({ synced: [D, X, Y], remote: [remoteOf(D), remoteOf(X), remoteOf(Y)], local: [at("e", D), at("e/x.txt", X), at("e/y.txt", Y)] });
    expect(plan.actions).toMatchObject([{ type: "place", nodeId: "dd", kind: "dir", path: "e", placement: { parentId: ROOT, name: "e" }, baseVersion: 1 }]);
    expect(plan.actions).toHaveLength(1);
  });

  it("a folder removed and another made on its freed inode is no move: the old one is deleted, the new one placed empty (A5)", () => {
    const plan = run({ synced: [D, X], remote: [remoteOf(D), remoteOf(X)], local: [localDir("e", D.stamp.ino)] });
    expect(plan.actions).toMatchObject([
      { type: "delete-remote", nodeId: "dd", path: "d" },
      { type: "forget", nodeId: "fx" },
      { type: "place", kind: "dir", path: "e", nodeId: "new-1", baseVersion: 0 },
    ]);
    expect(plan.actions).toHaveLength(3);
    // Moved with one of its files, or with one moved out of it: the same inode is the folder that moved.
    expect(run({ synced: [D, X], remote: [remoteOf(D), remoteOf(X)], local: [localDir("e", D.stamp.ino), at("x.txt", X)] }).actions).toMatchObject([
      { type: "place", nodeId: "dd", path: "e" },
      { type: "place", nodeId: "fx", path: "x.txt" },
    ]);
    expect(run({ synced: [D, X, Y], remote: [remoteOf(D), remoteOf(X), remoteOf(Y)], local: [at("e", D), at("e/x.txt", X)] }).actions).toMatchObject([
      { type: "place", nodeId: "dd", path: "e" },
      { type: "delete-remote", nodeId: "fy" },
    ]);
  });

  it("a folder moved remotely: one local move, the files follow", () => {
    const plan = run({ synced: [D, X, Y], remote: [remoteV2(D, { name: "e" }), remoteOf(X), remoteOf(Y)], local: [at("d", D), at("d/x.txt", X), at("d/y.txt", Y)] });
    expect(plan.actions).toMatchObject([{ type: "move-local", nodeId: "dd", from: "d", to: "e", kind: "dir" }]);
    expect(plan.actions).toHaveLength(1);
  });

  it("a folder deleted remotely: one local deletion per entry, deepest first", () => {
    const plan = run({ synced: [D, X], remote: [tombstone(D), tombstone(X)], local: [at("d", D), at("d/x.txt", X)] });
    expect(plan.actions).toMatchObject([
      { type: "delete-local", path: "d/x.txt", kind: "file" },
      { type: "delete-local", path: "d", kind: "dir" },
    ]);
  });
});

describe("planSync: more mixed cases (A5)", () => {
  it("a synced file replaced by a folder: the file's deletion is committed before the new folder, its files under the new id", () => {
    const plan = run({ synced: [A], remote: [remoteOf(A)], local: [localDir("a.txt", 90), localFile("a.txt/in.txt", 91)] });
    expect(plan.actions).toMatchObject([
      { type: "delete-remote", nodeId: "fa", path: "a.txt" },
      { type: "place", kind: "dir", path: "a.txt", nodeId: "new-1", baseVersion: 0 },
      { type: "upload", path: "a.txt/in.txt", nodeId: "new-2", placement: { parentId: "new-1", name: "in.txt" } },
    ]);
  });

  it("a new remote file in a folder moved locally goes to the folder's new place", () => {
    const plan = run({ synced: [D], remote: [remoteOf(D), rNew("rn", "dd", "n.txt", "file")], local: [at("e", D)] });
    expect(plan.actions).toMatchObject([
      { type: "place", nodeId: "dd", path: "e", placement: { parentId: ROOT, name: "e" } },
      { type: "download", nodeId: "rn", path: "e/n.txt", expectLocal: null },
    ]);
  });

  it("a file moved locally into a new folder: the move names the folder's new id", () => {
    const plan = run({ synced: [A], remote: [remoteOf(A)], local: [localDir("n", 95), at("n/a.txt", A)] });
    expect(plan.actions).toMatchObject([
      { type: "place", nodeId: "fa", path: "n/a.txt", placement: { parentId: "new-1", name: "a.txt" } },
      { type: "place", nodeId: "new-1", kind: "dir", path: "n", placement: { parentId: ROOT, name: "n" } },
    ]);
  });

  it("a file moved remotely into a new remote folder: mkdir and a local move", () => {
    const plan = run({ synced: [A], remote: [remoteV2(A, { parentId: "rd" }), rNew("rd", ROOT, "nd", "dir")], local: [at("a.txt", A)] });
    expect(plan.actions).toMatchObject([
      { type: "move-local", nodeId: "fa", from: "a.txt", to: "nd/a.txt" },
      { type: "mkdir", nodeId: "rd", path: "nd" },
    ]);
  });
});

describe("planSync: moves found by inode (A5)", () => {
  it("a renamed file with its size and mtime is a move", () => {
    const plan = run({ synced: [A, D], remote: [remoteOf(A), remoteOf(D)], local: [at("d", D), at("d/renamed.txt", A)] });
    expect(plan.actions).toMatchObject([{ type: "place", nodeId: "fa", path: "d/renamed.txt", placement: { parentId: "dd", name: "renamed.txt" } }]);
    expect(plan.actions).toHaveLength(1);
  });

  it("a reused inode with another size is not a move: a deletion and a new file", () => {
    const plan = run({ synced: [A], remote: [remoteOf(A)], local: [localFile("b.txt", 10, 7)] });
    expect(plan.actions).toMatchObject([
      { type: "delete-remote", nodeId: "fa", path: "a.txt" },
      { type: "upload", nodeId: "new-1", path: "b.txt", baseVersion: 0 },
    ]);
    expect(plan.actions).toHaveLength(2);
  });

  it("a reused inode with another mtime is not a move either", () => {
    const plan = run({ synced: [A], remote: [remoteOf(A)], local: [localFile("b.txt", 10, 5, 999)] });
    expect(types(plan)).toEqual(["delete-remote", "upload"]);
  });

  it("a file moved onto the path another synced node expects is not taken for a move", () => {
    // b.txt is synced (ino 11); a.txt's inode now sits at b.txt (an editor's save-by-rename).
    const B = sFile("fb", ROOT, "b.txt", 11);
    const plan = run({ synced: [A, B], remote: [remoteOf(A), remoteOf(B)], local: [{ path: "b.txt", kind: "file", stamp: A.stamp }] });
    expect(only(plan, "place")).toEqual([]);
    expect(plan.actions).toMatchObject([
      { type: "upload", nodeId: "fb", path: "b.txt", baseVersion: 1 },
      { type: "delete-remote", nodeId: "fa" },
    ]);
  });
});

describe("planSync: first meeting of a remote node and a local entry (A8)", () => {
  it("a remote new file where an unsynced local file of that name exists: upload, compared with the remote", () => {
    const r = rNew("rn", ROOT, "same.txt", "file");
    const plan = run({ remote: [r], local: [localFile("same.txt", 70, 3)] });
    expect(plan.actions).toEqual([
      { type: "upload", nodeId: "rn", path: "same.txt", stamp: fileStamp(70, 3), placement: { parentId: ROOT, name: "same.txt" }, baseVersion: 1, baseHash: "h-rn-1", compareWith: r },
    ]);
  });

  it("a remote new folder where a local folder exists: adopt it, and the files inside meet too", () => {
    const plan = run({ remote: [rNew("rd", ROOT, "p", "dir"), rNew("rf", "rd", "f.txt", "file")], local: [localDir("p", 71), localFile("p/f.txt", 72), localFile("p/mine.txt", 73)] });
    expect(plan.actions).toMatchObject([
      { type: "adopt", path: "p", node: { nodeId: "rd", kind: "dir", version: 1, stamp: dirStamp(71) } },
      { type: "upload", nodeId: "rf", path: "p/f.txt", compareWith: { nodeId: "rf" } },
      { type: "upload", nodeId: "new-1", path: "p/mine.txt", placement: { parentId: "rd", name: "mine.txt" }, baseVersion: 0 },
    ]);
  });

  it("kinds differ (remote file, local folder): set the folder aside, then download", () => {
    const plan = run({ remote: [rNew("rf", ROOT, "thing", "file")], local: [localDir("thing", 74)] });
    expect(plan.actions).toMatchObject([
      { type: "set-aside", path: "thing", kind: "dir", nodeId: "rf" },
      { type: "download", nodeId: "rf", path: "thing", expectLocal: null },
    ]);
  });

  it("kinds differ (remote folder, local file): set the file aside, then mkdir", () => {
    const plan = run({ remote: [rNew("rd", ROOT, "thing", "dir")], local: [localFile("thing", 75)] });
    expect(plan.actions).toMatchObject([
      { type: "set-aside", path: "thing", kind: "file", nodeId: "rd" },
      { type: "mkdir", nodeId: "rd", path: "thing" },
    ]);
  });

  it("kinds differ and the local folder has files: nothing inside is committed under the remote file", () => {
    const plan = run({ remote: [rNew("rf", ROOT, "thing", "file")], local: [localDir("thing", 74), localFile("thing/inner.txt", 76)] });
    // The folder's files are uploaded next pass, under the set-aside folder's new name.
    expect(types(plan)).toEqual(["set-aside", "download"]);
  });

  it("a remote move onto a path held by an unsynced local file: compare that file with the server's version, the old place's copy goes", () => {
    const moved = remoteV2(A, { name: "b.txt" });
    const plan = run({ synced: [A], remote: [moved], local: [at("a.txt", A), localFile("b.txt", 80, 3)] });
    expect(plan.actions).toMatchObject([
      { type: "upload", nodeId: "fa", path: "b.txt", placement: { name: "b.txt" }, baseVersion: moved.version, compareWith: { nodeId: "fa" } },
      { type: "delete-local", nodeId: "fa", path: "a.txt", kind: "file", keepBase: true },
    ]);
    expect(plan.actions).toHaveLength(2);
  });

  it("a remote move onto a local file while the file was also edited here: compare that file with the server's, keep the edit where it is", () => {
    const plan = run({ synced: [A], remote: [remoteV2(A, { name: "b.txt" })], local: [{ ...at("a.txt", A), stamp: { ...at("a.txt", A).stamp, size: 999 } }, localFile("b.txt", 80, 3)] });
    // The edited old place is neither deleted nor moved: it is a new file next pass (A16).
    expect(plan.actions).toMatchObject([{ type: "upload", nodeId: "fa", path: "b.txt", placement: { parentId: ROOT, name: "b.txt" }, compareWith: { nodeId: "fa" } }]);
    expect(plan.actions).toHaveLength(1);
  });
});

describe("planSync: ignored and failing paths are left alone (A4, A7)", () => {
  const rules = compileIgnoreRules("*.log\nbuild/\n");
  const skip = (path: string, isDir: boolean) => rules.ignores(path, isDir);
  const LOG = sFile("fl", ROOT, "app.log", 30);
  const BUILD = sDir("db", ROOT, "build", 31);
  const OUT = sFile("fo", "db", "out.bin", 32);

  it("adding a rule never deletes: a synced file now ignored and gone from the scan is not deleted remotely", () => {
    // The scanner does not list ignored paths, so the file looks deleted.
    const plan = run({ synced: [LOG, BUILD, OUT], remote: [remoteOf(LOG), remoteOf(BUILD), remoteOf(OUT)], local: [], skip });
    expect(plan.actions).toEqual([]);
  });

  it("an ignored synced file deleted or changed remotely is not touched locally", () => {
    const plan = run({
      synced: [LOG, BUILD, OUT],
      remote: [tombstone(LOG), remoteV2(BUILD, { name: "build2" }), remoteV2(OUT, { content: content("c-new") })],
      local: [at("app.log", LOG), at("build", BUILD), at("build/out.bin", OUT)],
      skip,
    });
    expect(plan.actions).toEqual([]);
  });

  it("an ignored local file is not uploaded; an ignored remote file is not downloaded", () => {
    const plan = run({ remote: [rNew("rl", ROOT, "server.log", "file"), rNew("rok", ROOT, "ok.txt", "file")], local: [localFile("debug.log", 90), localDir("build", 91)], skip });
    expect(plan.actions).toMatchObject([{ type: "download", nodeId: "rok", path: "ok.txt" }]);
    expect(plan.actions).toHaveLength(1);
  });

  it("a failing path waiting for its retry is skipped, the others still planned", () => {
    const plan = run({ synced: [A, X, D], remote: [remoteOf(A), remoteV2(X, { content: content("c-new") }), remoteOf(D)], local: [at("d", D)], skip: (p) => p === "d/x.txt" });
    expect(plan.actions).toMatchObject([{ type: "delete-remote", nodeId: "fa" }]);
    expect(plan.actions).toHaveLength(1);
  });
});

describe("planSync: names the platform refuses (A11)", () => {
  it("go to unsyncable, and nothing below them is downloaded", () => {
    const nameProblem = (name: string) => (name.includes(":") ? "the name holds a colon" : null);
    const plan = run({
      remote: [rNew("bad", ROOT, "a:b", "dir"), rNew("under", "bad", "inner.txt", "file"), rNew("deeper", "under2", "z.txt", "file"), rNew("under2", "bad", "sub", "dir"), rNew("fine", ROOT, "fine.txt", "file"), rNew("badf", ROOT, "c:d.txt", "file")],
      nameProblem,
    });
    expect(plan.unsyncable).toEqual([
      { path: "a:b", nodeId: "bad", reason: "the name holds a colon" },
      { path: "c:d.txt", nodeId: "badf", reason: "the name holds a colon" },
    ]);
    expect(plan.actions).toMatchObject([{ type: "download", nodeId: "fine", path: "fine.txt" }]);
    expect(plan.actions).toHaveLength(1);
  });
});

describe("planSync: renames the platform refuses (A11)", () => {
  const nameProblem = (name: string) => (name.includes(":") ? "the name holds a colon" : null);

  it("a synced file renamed remotely to a refused name stays where it is, reported as unsyncable", () => {
    const plan = run({ synced: [A], remote: [remoteV2(A, { name: "a:b.txt" })], local: [at("a.txt", A)], nameProblem });
    expect(only(plan, "move-local")).toEqual([]);
    expect(plan.unsyncable).toEqual([{ path: "a:b.txt", nodeId: "fa", reason: "the name holds a colon" }]);
  });

  it("a synced folder renamed remotely to a refused name: its files stay with it", () => {
    const plan = run({ synced: [D, X], remote: [remoteV2(D, { name: "d:2" }), remoteOf(X)], local: [at("d", D), at("d/x.txt", X)], nameProblem });
    expect(plan.actions).toEqual([]);
    expect(plan.unsyncable).toMatchObject([{ path: "d:2", nodeId: "dd" }]);
  });
});

describe("planSync: trees that are not trees", () => {
  it("a remote cycle or orphan downloads nothing and throws nothing", () => {
    const plan = run({ remote: [rNew("c1", "c2", "one", "dir"), rNew("c2", "c1", "two", "dir"), rNew("orphan", "nowhere", "o.txt", "file")] });
    expect(plan.actions).toEqual([]);
    expect(plan.unsyncable).toEqual([]);
  });
});
