/**
 * The coordinator's decisions (A5, A8, A11, A16): pure logic over the three
 * trees. Each synced node is compared with what the disk holds and with
 * what the server holds; a change on one side only is applied to the other,
 * changes on both are merged (placement: the server's wins; content: equal
 * content is adopted silently, different content keeps the server's at the
 * path and the local one as a conflict copy). Nothing here touches a disk
 * or a socket: the executor carries the plan out, and a plan left half done
 * is simply planned again from what is then on both sides.
 *
 * Decision matrix (L = local against the synced base, R = remote):
 * | L \ R      | unchanged     | modified                 | moved          | deleted                 |
 * |------------|---------------|--------------------------|----------------|-------------------------|
 * | unchanged  | —             | download                 | move locally   | delete locally          |
 * | modified   | upload        | upload, compare: equal → adopt, else conflict copy | move locally, then upload | upload as a new node |
 * | moved      | commit move   | download, then commit move | server's place | re-create as new node (if modified) or delete |
 * | deleted    | commit delete | download (restore)       | download (restore) | forget              |
 */
import type { Action, Plan, Placement, Unsyncable } from "./actions.ts";
import { byDepth, depthOf, dirOf, groupBy, joinPath, liveResolver, nameOf, pathResolver } from "./tree-paths.ts";
import { ROOT_NODE_ID, type LocalEntry, type LocalStamp, type RemoteNode, type SyncedNode } from "../tree/nodes.ts";

/** Everything the planner looks at. */
export interface PlanInput {
  synced: ReadonlyMap<string, SyncedNode>;
  remote: ReadonlyMap<string, RemoteNode>;
  /** The scan: relative path → entry. */
  local: ReadonlyMap<string, LocalEntry>;
  /** Paths left alone this pass: ignored (`.syncignore`), failing and waiting for a retry. */
  skip: (path: string, isDir: boolean) => boolean;
  /** Why a remote name cannot be written on this platform (null: it can). */
  nameProblem: (name: string) => string | null;
  /** A fresh node id. */
  newNodeId: () => string;
}

/**
 * True when a file's stamp says it changed since it was synced.
 * @param before The synced stamp.
 * @param now The scanned stamp.
 * @returns Whether size, mtime, inode or mode differ.
 */
export function stampChanged(before: LocalStamp, now: LocalStamp): boolean {
  return before.size !== now.size || before.mtimeMs !== now.mtimeMs || before.ino !== now.ino || (before.mode & 0o777) !== (now.mode & 0o777);
}

function samePlacement(a: Placement, b: Placement): boolean {
  return a.parentId === b.parentId && a.name === b.name;
}

function asSynced(r: RemoteNode, stamp: LocalStamp): SyncedNode {
  return { nodeId: r.nodeId, parentId: r.parentId, name: r.name, kind: r.kind === "dir" ? "dir" : "file", version: r.version, hash: r.hash, content: r.content, stamp };
}

/**
 * Plans one sync pass.
 * @param input The three trees and the rules.
 * @returns The actions (in an order the executor may follow) and the paths that cannot sync.
 */
export function planSync(input: PlanInput): Plan {
  const { synced, remote, local } = input;
  const actions: Action[] = [];
  const unsyncable: Unsyncable[] = [];
  const syncedPath = pathResolver(synced);
  const remotePath = pathResolver(remote, (n) => n.kind !== "deleted");
  const isLive = liveResolver(remote, (n) => n.kind !== "deleted");

  // ---- 1. Match the disk to the synced tree, top-down (a moved folder's children follow it).
  // Built on the first node not found at its place (most passes find every node where it was).
  let byIno: Map<number, LocalEntry[]> | undefined;
  let expected: Map<string, SyncedNode[]> | undefined;
  const movedCandidates = (ino: number): LocalEntry[] => {
    byIno ??= groupBy(local.values(), (e) => e.stamp.ino);
    return byIno.get(ino) ?? [];
  };
  // A synced node could be the entry at its synced path: same kind, and for a folder the same inode (a folder
  // renamed onto the path a file or another folder had is found as the folder that moved).
  const isExpected = (e: LocalEntry): boolean => {
    expected ??= groupBy(synced.values(), (s) => syncedPath(s.nodeId));
    return expected.get(e.path)?.some((t) => t.kind === e.kind && (t.kind === "file" || t.stamp.ino === e.stamp.ino)) ?? false;
  };
  // A folder found by its inode elsewhere is the folder that moved only if something it held is still on
  // this disk (at its new place or moved out of it), or it held nothing: a folder removed with everything in
  // it and another one made reuses the freed inode at once on most file systems, and taking that for a move
  // would carry the old folder's contents, and whatever other machines add to it, into the folder the user
  // just made.
  let syncedChildren: Map<string, SyncedNode[]> | undefined;
  const keepsSomeEntry = (s: SyncedNode): boolean => {
    syncedChildren ??= groupBy(synced.values(), (c) => c.parentId);
    const entries = syncedChildren.get(s.nodeId);
    if (!entries) return true;
    return entries.some((c) =>
      movedCandidates(c.stamp.ino).some((e) => e.kind === c.kind && (c.kind === "dir" || (e.stamp.size === c.stamp.size && e.stamp.mtimeMs === c.stamp.mtimeMs))),
    );
  };
  const order = byDepth(synced.values(), (s) => depthOf(syncedPath(s.nodeId) ?? "~"));
  const claim = new Map<string, string>(); // local path → synced node id
  const locOf = new Map<string, string | null>(); // synced node id → local path (null: gone)
  const frozen = new Set<string>();
  const atPlace = new Set<string>(); // found at its synced name in the folder its synced parent was found in
  for (const s of order) {
    const sp = syncedPath(s.nodeId);
    if (sp !== null && input.skip(sp, s.kind === "dir")) {
      frozen.add(s.nodeId);
      locOf.set(s.nodeId, local.has(sp) ? sp : null);
      if (local.has(sp)) claim.set(sp, s.nodeId);
      continue;
    }
    const parentLoc = s.parentId === ROOT_NODE_ID ? "" : locOf.get(s.parentId);
    let found: string | null = null;
    if (parentLoc !== undefined && parentLoc !== null) {
      // Its folder where it was: the node's own synced path (no new string to build).
      const candidate = sp !== null && parentLoc === (s.parentId === ROOT_NODE_ID ? "" : syncedPath(s.parentId)) ? sp : joinPath(parentLoc, s.name);
      const e = local.get(candidate);
      if (e && e.kind === s.kind && !claim.has(candidate)) {
        found = candidate;
        atPlace.add(s.nodeId);
      }
    }
    if (found === null) {
      // Moved? The same inode elsewhere, at a path no synced node expects, with the
      // same size and mtime for a file (a rename changes neither; a reused inode would),
      // keeping one of its entries for a folder.
      for (const e of movedCandidates(s.stamp.ino)) {
        if (e.kind !== s.kind || claim.has(e.path) || isExpected(e)) continue;
        if (s.kind === "file" && (e.stamp.size !== s.stamp.size || e.stamp.mtimeMs !== s.stamp.mtimeMs)) continue;
        if (input.skip(e.path, e.kind === "dir")) continue;
        if (s.kind === "dir" && !keepsSomeEntry(s)) continue;
        found = e.path;
        break;
      }
    }
    locOf.set(s.nodeId, found);
    if (found !== null) claim.set(found, s.nodeId);
  }

  // ---- 2. What survives a deletion on the server: local changes below it (never lost, A16).
  // Built on the first local move that needs it (most passes have none).
  let remoteAtMap: Map<string, string> | undefined; // "parentId/name" → the live remote node there
  const remoteAt = (parentId: string, name: string): string | undefined => {
    if (!remoteAtMap) {
      remoteAtMap = new Map();
      for (const r of remote.values()) if (r.kind !== "deleted" && isLive(r.nodeId)) remoteAtMap.set(`${r.parentId}/${r.name}`, r.nodeId);
    }
    return remoteAtMap.get(`${parentId}/${name}`);
  };
  // Synced nodes found on this disk that the server no longer has live (top-down): the only ones that may survive.
  const gone: SyncedNode[] = [];
  for (const s of order) {
    const at = locOf.get(s.nodeId);
    if (at === undefined || at === null || frozen.has(s.nodeId) || isLive(s.nodeId)) continue;
    gone.push(s);
  }
  const survivorFiles: string[] = [];
  const survivors = new Set<string>();
  for (const s of gone) {
    const at = locOf.get(s.nodeId)!;
    const e = local.get(at)!;
    // A node the server no longer has at all (no tombstone: it lost it, e.g. restored from an
    // old backup) is never deleted here: it is sent again as a new node.
    if (s.kind === "file" && (stampChanged(s.stamp, e.stamp) || !remote.has(s.nodeId))) {
      survivors.add(s.nodeId);
      survivorFiles.push(at);
    }
  }
  // Folders holding something new on this disk or a surviving file: built for the first gone folder.
  let hasNewBelow: Set<string> | undefined;
  const newBelow = (path: string): boolean => {
    if (!hasNewBelow) {
      const marked = new Set<string>();
      const markAncestors = (p: string) => {
        for (let d = dirOf(p); d !== "" && !marked.has(d); d = dirOf(d)) marked.add(d);
      };
      for (const e of local.values()) if (!claim.has(e.path) && !input.skip(e.path, e.kind === "dir")) markAncestors(e.path);
      for (const at of survivorFiles) markAncestors(at);
      hasNewBelow = marked;
    }
    return hasNewBelow.has(path);
  };
  for (let i = gone.length - 1; i >= 0; i--) {
    const s = gone[i]!;
    if (s.kind !== "dir") continue;
    if (newBelow(locOf.get(s.nodeId)!) || !remote.has(s.nodeId)) survivors.add(s.nodeId);
  }
  for (const id of survivors) {
    const at = locOf.get(id)!;
    claim.delete(at);
    locOf.set(id, null);
    actions.push({ type: "forget", nodeId: id });
  }

  // New local folders get their ids now, so children and moves can name them.
  const newIds = new Map<string, string>();
  const idOfLocalDir = (dir: string): string => {
    if (dir === "") return ROOT_NODE_ID;
    const claimed = claim.get(dir);
    if (claimed !== undefined) return claimed;
    let id = newIds.get(dir);
    if (!id) {
      id = input.newNodeId();
      newIds.set(dir, id);
    }
    return id;
  };

  // Found in the folder where its synced parent was found, and that folder still the parent's:
  // its local placement is its synced one.
  const inOwnFolder = (s: SyncedNode): boolean => {
    if (s.parentId === ROOT_NODE_ID) return true;
    const folder = locOf.get(s.parentId);
    return folder !== undefined && folder !== null && claim.get(folder) === s.parentId;
  };

  // Whether the synced nodes holding the paths the server moved each to (the first holding the path this node
  // goes to) wait on each other back to this node. A node stepping aside this pass frees its path: no wait.
  const steppingAside = new Set<string>();
  const inMoveRing = (nodeId: string, holder: string): boolean => {
    const seen = new Set<string>();
    for (let h: string | undefined = holder; h !== undefined && !seen.has(h) && !steppingAside.has(h); ) {
      if (h === nodeId) return true;
      seen.add(h);
      const to = remote.has(h) ? remotePath(h) : null;
      if (to === null || to === locOf.get(h)) return false;
      h = holderOf(to);
    }
    return false;
  };

  // Whether the folder `dirId` is `ancestorId` or inside it, in the synced or the remote tree.
  const inside = (tree: ReadonlyMap<string, { parentId: string }>, dirId: string, ancestorId: string): boolean => {
    for (let id: string | undefined = dirId, steps = 0; id !== undefined && id !== ROOT_NODE_ID && steps <= tree.size; steps++) {
      if (id === ancestorId) return true;
      id = tree.get(id)?.parentId;
    }
    return false;
  };

  // The synced node a move to `path` waits for here: the one holding the path, or else the one holding the nearest
  // folder above it (a file standing where the folder must be made, or a folder that moves away first).
  const holderOf = (path: string): string | undefined => {
    const at = claim.get(path);
    if (at !== undefined) return at;
    for (let dir = dirOf(path); dir !== ""; dir = dirOf(dir)) {
      const holder = claim.get(dir);
      if (holder !== undefined) return holder;
    }
    return undefined;
  };

  // Whether the synced nodes this disk moved each onto a name the server gives another (the first holding the
  // name this node takes) wait on each other back to this node. A node committed under a free name frees its own.
  const localRing = new Set<string>();
  const inLocalRing = (nodeId: string, holder: string): boolean => {
    const seen = new Set<string>();
    for (let h: string | undefined = holder; h !== undefined && !seen.has(h) && !localRing.has(h); ) {
      if (h === nodeId) return true;
      seen.add(h);
      const at = locOf.get(h);
      const dir = at === undefined || at === null ? undefined : dirOf(at) === "" ? ROOT_NODE_ID : claim.get(dirOf(at));
      if (dir === undefined) return false;
      h = remoteAt(dir, nameOf(at!));
    }
    return false;
  };

  // ---- 3. Decide per synced node.
  const setAside = new Set<string>(); // local paths moved aside this pass (what is inside follows them)
  const deletes = new Map<string, Action & { type: "delete-remote" }>();
  const keepAlive = new Set<string>(); // synced nodes whose local deletion is undone (something below is restored)
  const localDeletes: Array<Action & { type: "delete-local" }> = [];
  const waitsOnDelete = new Map<string, { nodeId: string; path: string; kind: "file" | "dir" }>(); // deleted node → the node taking its name
  const unsettled: string[] = [];
  const unsettledPaths: string[] = [];
  for (const s of order) {
    if (frozen.has(s.nodeId) || survivors.has(s.nodeId)) continue;
    const at = locOf.get(s.nodeId) ?? null;
    const r = remote.get(s.nodeId);
    if (at !== null && r && r.version === s.version && atPlace.has(s.nodeId) && inOwnFolder(s) && isLive(s.nodeId)) {
      // The common case, decided without building paths: unchanged on the server, and here at
      // its place (its folder's node holds the folder) with the same stamp — nothing to do.
      if (s.kind === "dir" ? local.get(at)!.stamp.ino === s.stamp.ino : !stampChanged(s.stamp, local.get(at)!.stamp)) continue;
    }
    unsettled.push(s.nodeId);
    if (at !== null) unsettledPaths.push(at);
    const rp = r ? remotePath(s.nodeId) : null;
    const sPlace = { parentId: s.parentId, name: s.name };
    if (at === null) {
      if (rp === null || !r) {
        actions.push({ type: "forget", nodeId: s.nodeId });
      } else if (r.version !== s.version) {
        // Deleted here, changed there: the change wins (nothing is lost).
        const occupant = local.get(rp);
        if (occupant && !claim.has(rp) && !input.skip(rp, occupant.kind === "dir")) {
          // Something new on this disk holds the path it comes back to: settle it as a
          // creation on both sides (compare, adopt, or set the local one aside).
          claim.set(rp, s.nodeId);
          keepAlive.add(r.parentId);
          if (occupant.kind === "file" && r.kind === "file") {
            actions.push({ type: "upload", nodeId: s.nodeId, path: rp, stamp: occupant.stamp, placement: { parentId: r.parentId, name: r.name }, baseVersion: r.version, baseHash: r.hash, compareWith: r });
            continue;
          }
          if (occupant.kind === "dir" && r.kind === "dir") {
            actions.push({ type: "adopt", node: asSynced(r, occupant.stamp), path: rp });
            continue;
          }
          actions.push({ type: "set-aside", path: rp, kind: occupant.kind, nodeId: s.nodeId });
          setAside.add(rp);
        }
        if (r.kind === "dir") actions.push({ type: "mkdir", nodeId: s.nodeId, path: rp, remote: r });
        else actions.push({ type: "download", nodeId: s.nodeId, path: rp, remote: r, expectLocal: null });
        keepAlive.add(r.parentId); // the folders it is restored into (the server's, if it moved)
      } else {
        const del = { type: "delete-remote" as const, nodeId: s.nodeId, path: syncedPath(s.nodeId) ?? s.name, placement: sPlace, baseVersion: s.version, baseHash: s.hash };
        deletes.set(s.nodeId, del);
      }
      continue;
    }
    const e = local.get(at)!;
    if (rp === null || !r) {
      localDeletes.push({ type: "delete-local", nodeId: s.nodeId, path: at, kind: s.kind, expect: e.stamp });
      continue;
    }
    const rChanged = r.version !== s.version;
    const rPlace = { parentId: r.parentId, name: r.name };
    const lPlace = { parentId: idOfLocalDir(dirOf(at)), name: nameOf(at) };
    const rMoved = rChanged && !samePlacement(rPlace, sPlace);
    const lMoved = !samePlacement(lPlace, sPlace);
    const lChanged = s.kind === "file" && stampChanged(s.stamp, e.stamp);
    const rContent = rChanged && r.kind === "file" && (r.content.contentHash !== s.content.contentHash || (r.content.mode & 0o777) !== (s.content.mode & 0o777));
    const base = rChanged ? { version: r.version, hash: r.hash } : { version: s.version, hash: s.hash };
    if (rMoved && at !== rp) {
      const problem = input.nameProblem(r.name);
      if (problem) {
        // A name this platform cannot write: the entry stays as it is, reported (A11).
        unsyncable.push({ path: rp, nodeId: s.nodeId, reason: problem });
        continue;
      }
      // It steps to a free name beside it now, and goes to its place next pass. Its base takes the name it steps
      // to (and keeps its version, so the server's move is still to do, and an edit made here still shows: A16).
      const stepAside = () => {
        let aside = `${at}.moving`;
        for (let i = 2; local.has(aside) || claim.has(aside); i++) aside = `${at}.moving-${i}`;
        claim.set(aside, s.nodeId);
        steppingAside.add(s.nodeId);
        const next: SyncedNode = { ...s, name: nameOf(aside), stamp: lChanged ? s.stamp : e.stamp };
        actions.push({ type: "move-local", nodeId: s.nodeId, from: at, to: aside, kind: s.kind, next });
      };
      if (rp.startsWith(at + "/")) {
        // The server put it below the path it holds here (a folder there took that name): a folder cannot move
        // into itself, a file stands where a folder must be. It steps aside, so the folder can come.
        stepAside();
        continue;
      }
      // The server's placement wins; content is settled on the next pass.
      const occupant = local.get(rp);
      if (occupant && !claim.has(rp) && occupant.kind === "file" && s.kind === "file" && r.kind === "file" && !input.skip(rp, false)) {
        // A new file here holds the name the file moved to there: compare it with the server's version (the same:
        // adopted, no copy; else it becomes a conflict copy). The old place's unchanged copy goes; the base stays.
        // An old place edited here stays: it is a new file next pass (A16).
        claim.set(rp, s.nodeId);
        actions.push({ type: "upload", nodeId: s.nodeId, path: rp, stamp: occupant.stamp, placement: rPlace, baseVersion: r.version, baseHash: r.hash, compareWith: r });
        if (!lChanged) localDeletes.push({ type: "delete-local", nodeId: s.nodeId, path: at, kind: "file", expect: e.stamp, keepBase: true });
        continue;
      }
      if (occupant && !claim.has(rp) && occupant.kind === "file" && s.kind === "file" && r.kind === "file") {
        continue; // a file left alone this pass (failing, waiting for a retry) is compared next pass, not moved aside unseen
      }
      if (occupant && !claim.has(rp)) {
        actions.push({ type: "set-aside", path: rp, kind: occupant.kind, nodeId: s.nodeId });
        setAside.add(rp);
        claim.set(rp, s.nodeId);
      } else if (occupant) {
        // Another synced node is there: it moves first, this one next pass; unless it waits for this one's
        // path (the server swapped them, or moved them round in a ring): then this one steps aside.
        if (inMoveRing(s.nodeId, claim.get(rp)!)) stepAside();
        continue;
      }
      // A folder the server moved into a folder that the base still has inside it (the server moved that one
      // out first) follows once that one's own move is settled here, so no failure of it leaves a cycle.
      if (s.kind === "dir" && inside(synced, r.parentId, s.nodeId)) continue;
      // An edit made here keeps the base's stamp, so the next pass still sees it and uploads it (A16).
      const next: SyncedNode = { ...s, parentId: r.parentId, name: r.name, stamp: lChanged ? s.stamp : e.stamp };
      if (!rContent && !lChanged) Object.assign(next, { version: r.version, hash: r.hash, content: r.content });
      actions.push({ type: "move-local", nodeId: s.nodeId, from: at, to: rp, kind: s.kind, next });
      continue;
    }
    let target = rMoved ? rPlace : lMoved ? lPlace : sPlace;
    if (lMoved && !rMoved) {
      const taken = remoteAt(lPlace.parentId, lPlace.name);
      const t = taken === undefined ? undefined : synced.get(taken);
      const tr = taken === undefined ? undefined : remote.get(taken);
      // A synced node this disk moved away (and the server did not move) frees the name with its own commit.
      const leaving = t !== undefined && tr !== undefined && tr.version === t.version && locOf.get(t.nodeId) !== undefined && locOf.get(t.nodeId) !== joinPath(dirOf(at), lPlace.name);
      // A node deleted here frees the name with its deletion, unless that is undone (something below it is restored).
      if (leaving && t !== undefined && locOf.get(t.nodeId) === null) waitsOnDelete.set(t.nodeId, { nodeId: s.nodeId, path: at, kind: s.kind });
      if (taken !== undefined && taken !== s.nodeId && !leaving) {
        if (t === undefined && tr !== undefined && tr.kind === "file" && s.kind === "file") {
          // A file new on the server holds the name this file was renamed to here: compare them (the same: the
          // name is adopted, no copy; else this one becomes a conflict copy). The node left behind is settled next
          // pass like any node gone from this disk.
          actions.push({ type: "upload", nodeId: taken, path: at, stamp: e.stamp, placement: { parentId: tr.parentId, name: tr.name }, baseVersion: tr.version, baseHash: tr.hash, compareWith: tr });
          continue;
        }
        if (t !== undefined && tr !== undefined && tr.kind === "file" && s.kind === "file" && !lChanged && !rChanged && tr.content.contentHash === s.content.contentHash && !frozen.has(t.nodeId)) {
          // Another synced node the server moved onto that name has the content this file has: the name is adopted
          // (this file is that node now, no copy); this file's node, left behind, is deleted there next pass (its
          // content lives on), and the other's unchanged copy here goes (an edit made to it stays: A16).
          actions.push({ type: "adopt", node: asSynced(tr, e.stamp), path: at });
          const old = locOf.get(t.nodeId);
          const oe = old === undefined || old === null ? undefined : local.get(old);
          if (old && oe && !stampChanged(t.stamp, oe.stamp)) localDeletes.push({ type: "delete-local", nodeId: t.nodeId, path: old, kind: "file", expect: oe.stamp, keepBase: true });
          continue;
        }
        // The server has another node under that name: this one steps aside (A8).
        actions.push({ type: "set-aside", path: at, kind: s.kind, nodeId: taken });
        setAside.add(at);
        continue;
      }
      if (leaving && t !== undefined && inLocalRing(s.nodeId, t.nodeId)) {
        // The node leaving the name goes to this one's old name (swapped here, or moved round in a ring): this one
        // is committed under a free name now, so the other can move, and takes its name next pass.
        let name = `${lPlace.name}.moving`;
        for (let i = 2; remoteAt(lPlace.parentId, name) !== undefined; i++) name = `${lPlace.name}.moving-${i}`;
        target = { parentId: lPlace.parentId, name };
        localRing.add(s.nodeId);
      }
    }
    if (lChanged) {
      actions.push({
        type: "upload",
        nodeId: s.nodeId,
        path: at,
        stamp: e.stamp,
        placement: target,
        baseVersion: base.version,
        baseHash: base.hash,
        ...(rContent ? { compareWith: r } : {}),
      });
    } else if (rContent) {
      actions.push({ type: "download", nodeId: s.nodeId, path: at, remote: r, expectLocal: e.stamp });
    } else if (lMoved && !rMoved) {
      // A folder moved here into a folder that the base still has inside it (both moved: the inner one out,
      // then this one into it) waits, while the server has the inner one out too, for the inner one's move to
      // be settled, so no failure of that one can leave the base with a cycle. (Where the server keeps the
      // inner one inside, the two moves conflict: the commit is refused as a cycle and settled as such.)
      if (s.kind === "dir" && inside(synced, target.parentId, s.nodeId) && !inside(remote, target.parentId, s.nodeId)) continue;
      const content = rChanged ? r.content : s.content;
      actions.push({ type: "place", nodeId: s.nodeId, kind: s.kind, path: at, placement: target, baseVersion: base.version, baseHash: base.hash, content, stamp: e.stamp });
    } else if (rChanged) {
      actions.push({ type: "adopt", node: asSynced(r, e.stamp), path: at });
    } else if (s.kind === "dir" && e.stamp.ino !== s.stamp.ino) {
      // Another folder stands where this one was (re-made): the base takes its stamp.
      actions.push({ type: "adopt", node: { ...s, stamp: e.stamp }, path: at });
    }
  }

  // ---- 4. Nodes the server has and this machine never synced, top-down.
  const remoteNew = byDepth(
    [...remote.values()].filter((r) => !synced.has(r.nodeId) && r.kind !== "deleted" && remotePath(r.nodeId) !== null),
    (r) => depthOf(remotePath(r.nodeId)!),
  );
  const planned = new Map<string, string>(); // remote-new node id → local path
  const refused = new Set<string>();
  for (const r of remoteNew) {
    const rp = remotePath(r.nodeId)!;
    unsettled.push(r.nodeId);
    if (refused.has(r.parentId)) {
      refused.add(r.nodeId);
      continue;
    }
    const problem = input.nameProblem(r.name);
    if (problem) {
      unsyncable.push({ path: rp, nodeId: r.nodeId, reason: problem });
      refused.add(r.nodeId);
      continue;
    }
    if (input.skip(rp, r.kind === "dir")) continue;
    let parentDir: string | null;
    if (r.parentId === ROOT_NODE_ID) parentDir = "";
    else if (planned.has(r.parentId)) parentDir = planned.get(r.parentId)!;
    else if (synced.has(r.parentId)) {
      if (frozen.has(r.parentId) || survivors.has(r.parentId)) continue;
      parentDir = locOf.get(r.parentId) ?? null;
      if (parentDir === null) {
        parentDir = remotePath(r.parentId);
        keepAlive.add(r.parentId);
      }
    } else parentDir = null;
    if (parentDir === null) continue;
    const path = joinPath(parentDir, r.name);
    const e = local.get(path);
    planned.set(r.nodeId, path);
    if (e && !claim.has(path)) {
      claim.set(path, r.nodeId);
      if (e.kind === "dir" && r.kind === "dir") {
        actions.push({ type: "adopt", node: asSynced(r, e.stamp), path });
        continue;
      }
      if (e.kind === "file" && r.kind === "file") {
        actions.push({ type: "upload", nodeId: r.nodeId, path, stamp: e.stamp, placement: { parentId: r.parentId, name: r.name }, baseVersion: r.version, baseHash: r.hash, compareWith: r });
        continue;
      }
      actions.push({ type: "set-aside", path, kind: e.kind, nodeId: r.nodeId });
      setAside.add(path);
      if (r.kind === "dir") actions.push({ type: "mkdir", nodeId: r.nodeId, path, remote: r });
      else actions.push({ type: "download", nodeId: r.nodeId, path, remote: r, expectLocal: null });
      continue;
    }
    if (e) continue; // a synced node holds that path (it moves away this pass): next pass
    if (r.kind === "dir") actions.push({ type: "mkdir", nodeId: r.nodeId, path, remote: r });
    else actions.push({ type: "download", nodeId: r.nodeId, path, remote: r, expectLocal: null });
  }

  // ---- 5. Undo local deletions above anything restored; collapse deletions below a deleted folder.
  const restored: Array<Action & { type: "mkdir" }> = [];
  for (let id of keepAlive) {
    const seen = new Set<string>(); // a synced tree caught half-way may hold a cycle: never loop on it
    while (id !== ROOT_NODE_ID && !seen.has(id)) {
      seen.add(id);
      const del = deletes.get(id);
      const s = synced.get(id);
      if (!s) break;
      if (del) {
        deletes.delete(id);
        const r = remote.get(id);
        const rp = remotePath(id);
        if (r && rp !== null) {
          const occupant = local.get(rp);
          if (occupant && occupant.kind !== "dir" && !claim.has(rp) && !input.skip(rp, false)) {
            // A new file on this disk holds the folder's path: it steps aside (a new folder there is taken as
            // the folder by the mkdir).
            claim.set(rp, id);
            actions.push({ type: "set-aside", path: rp, kind: occupant.kind, nodeId: id });
            setAside.add(rp);
          }
          const waiting = waitsOnDelete.get(id);
          const i = waiting === undefined ? -1 : actions.findIndex((a) => "nodeId" in a && a.nodeId === waiting.nodeId && a.type !== "forget");
          if (waiting !== undefined && i >= 0) {
            // A node renamed here onto the folder's name waited for its deletion, which is undone: it steps aside (A8).
            actions[i] = { type: "set-aside", path: waiting.path, kind: waiting.kind, nodeId: id };
            setAside.add(waiting.path);
          }
          restored.push({ type: "mkdir", nodeId: id, path: rp, remote: r });
        }
      }
      id = s.parentId;
    }
  }
  // Top-down: a folder is made before the folders restored inside it.
  restored.sort((a, b) => depthOf(a.path) - depthOf(b.path));
  actions.push(...restored);
  for (const del of deletes.values()) {
    let parent = synced.get(del.nodeId)?.parentId ?? ROOT_NODE_ID;
    let covered = false;
    const seen = new Set<string>();
    while (parent !== ROOT_NODE_ID && !seen.has(parent)) {
      seen.add(parent);
      if (deletes.has(parent)) {
        covered = true;
        break;
      }
      parent = synced.get(parent)?.parentId ?? ROOT_NODE_ID;
    }
    actions.push(covered ? { type: "forget", nodeId: del.nodeId } : del);
  }
  localDeletes.sort((a, b) => depthOf(b.path) - depthOf(a.path));
  actions.push(...localDeletes);

  // ---- 6. What is new on this disk, top-down: folders then files. Survivors are new
  // nodes now (their claims were released above); what lies inside a folder set aside
  // this pass is planned at its new path next pass.
  const insideSetAside = (path: string): boolean => {
    for (let d = dirOf(path); d !== ""; d = dirOf(d)) if (setAside.has(d)) return true;
    return false;
  };
  const created = byDepth(
    [...local.values()].filter((e) => !claim.has(e.path) && !input.skip(e.path, e.kind === "dir") && !insideSetAside(e.path)),
    (e) => depthOf(e.path),
  );
  for (const e of created) {
    unsettledPaths.push(e.path);
    const placement = { parentId: idOfLocalDir(dirOf(e.path)), name: nameOf(e.path) };
    if (e.kind === "dir") {
      const nodeId = idOfLocalDir(e.path);
      const holder = remoteAt(placement.parentId, placement.name);
      const held = holder === undefined ? undefined : locOf.get(holder);
      if (held !== undefined && held !== null && held.startsWith(e.path + "/")) {
        // A synced node moved here into this new folder still holds the folder's name there: each waits for the
        // other. The folder is committed under a free name now, the node moves into it, and the folder takes
        // its name next pass (a rename found by its inode).
        const name = placement.name;
        placement.name = `${name}.moving`;
        for (let i = 2; remoteAt(placement.parentId, placement.name) !== undefined; i++) placement.name = `${name}.moving-${i}`;
      }
      actions.push({ type: "place", nodeId, kind: "dir", path: e.path, placement, baseVersion: 0, baseHash: "", content: { size: 0, mtimeMs: 0, mode: e.stamp.mode & 0o777, chunks: [], contentHash: "" }, stamp: e.stamp });
    } else {
      actions.push({ type: "upload", nodeId: input.newNodeId(), path: e.path, stamp: e.stamp, placement, baseVersion: 0, baseHash: "" });
    }
  }
  for (const id of survivors) unsettled.push(id);
  return { actions, unsyncable, unsettled: { nodes: unsettled, paths: unsettledPaths } };
}
