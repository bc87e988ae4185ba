/**
 * A focused plan (A5, Q2): after a full plan, the three trees agree
 * everywhere but where that plan found something not at rest and where
 * something changed since. A pass that knows all of it (the nodes and
 * entries the full plan did not find at rest, the paths the scan looked at
 * again, the nodes whose synced or remote state changed) plans only their
 * neighbourhood: each of them with everything below it, every folder that
 * holds one of them with all its children on each side (names taken,
 * swaps, rings), and every folder above. What lies outside was at rest in
 * the full plan and is unchanged since, so the full plan would have nothing
 * to do for it now either. The result is the planner's own input with
 * smaller maps: the planner does not know it was focused.
 *
 * The set stays closed both ways: a path in it brings the synced nodes
 * found at that path, and a node in it brings its synced and remote paths,
 * so no node is seen without its entry on disk, nor an entry without the
 * node that claims it.
 */
import type { PlanInput } from "./plan.ts";
import { dirOf } from "./tree-paths.ts";
import { ROOT_NODE_ID, type LocalEntry, type RemoteNode, type SyncedNode } from "../tree/nodes.ts";

/** What to plan again: what the last full plan did not find at rest, and what changed since. */
export interface PlanChanges {
  /** Paths: the entries it did not find at rest, and those the scan looked at again (the watcher's, what the executor wrote). */
  paths: ReadonlySet<string>;
  /** Nodes: those it did not find at rest, and those whose synced or remote state changed. */
  nodes: ReadonlySet<string>;
  /**
   * What changed nodes were then (undefined: absent), so the paths they left are looked at too.
   * Without it, only their paths now are.
   */
  before?: {
    synced: ReadonlyMap<string, SyncedNode | undefined>;
    remote: ReadonlyMap<string, RemoteNode | undefined>;
  };
}

interface TreeNode {
  parentId: string;
  name: string;
  kind: string;
}

/** Children of each folder of a tree, by parent id. */
function childrenOf<T extends TreeNode>(tree: ReadonlyMap<string, T>): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const [id, node] of tree) {
    const list = children.get(node.parentId);
    if (list) list.push(id);
    else children.set(node.parentId, [id]);
  }
  return children;
}

/** The path of a node in a tree, or null (missing, not live, or caught in a cycle). */
function pathIn<T extends TreeNode>(tree: Pick<ReadonlyMap<string, T>, "get">, id: string, live: (node: T) => boolean): string | null {
  const names: string[] = [];
  const seen = new Set<string>();
  for (let at = id; at !== ROOT_NODE_ID; ) {
    const node = tree.get(at);
    if (!node || !live(node) || seen.has(at)) return null;
    seen.add(at);
    names.push(node.name);
    at = node.parentId;
  }
  return names.reverse().join("/");
}

/**
 * The planner's input narrowed to the neighbourhood of the changes.
 * @param input The full input.
 * @param changes What to plan again.
 * @param limit The most nodes and entries the focused input may hold: beyond it, planning everything costs little more.
 * @returns The narrowed input, or null when it would exceed the limit.
 */
export function focusPlanInput(input: PlanInput, changes: PlanChanges, limit: number): PlanInput | null {
  const { synced, remote, local } = input;
  if (changes.nodes.size + changes.paths.size > limit) return null;
  const syncedChildren = childrenOf(synced);
  const remoteChildren = childrenOf(remote);
  let localChildren: Map<string, LocalEntry[]> | undefined;
  const localChildrenOf = (dir: string): readonly LocalEntry[] => {
    if (!localChildren) {
      localChildren = new Map();
      for (const e of local.values()) {
        const parent = dirOf(e.path);
        const list = localChildren.get(parent);
        if (list) list.push(e);
        else localChildren.set(parent, [e]);
      }
    }
    return localChildren.get(dir) ?? [];
  };
  let byIno: Map<number, LocalEntry[]> | undefined;
  const withInode = (ino: number): readonly LocalEntry[] => {
    if (!byIno) {
      byIno = new Map();
      for (const e of local.values()) {
        const list = byIno.get(e.stamp.ino);
        if (list) list.push(e);
        else byIno.set(e.stamp.ino, [e]);
      }
    }
    return byIno.get(ino) ?? [];
  };
  // Each folder's synced children by name, made for a folder when first asked.
  const byName = new Map<string, Map<string, string[]>>();
  const childrenNamed = (parentId: string, name: string): readonly string[] => {
    let names = byName.get(parentId);
    if (!names) {
      names = new Map();
      for (const child of syncedChildren.get(parentId) ?? []) {
        const childName = synced.get(child)!.name;
        const list = names.get(childName);
        if (list) list.push(child);
        else names.set(childName, [child]);
      }
      byName.set(parentId, names);
    }
    return names.get(name) ?? [];
  };
  // The synced nodes whose synced path is `path`, walked down by name (a tree caught half-way may hold two).
  const syncedAt = (path: string): string[] => {
    let ids = [ROOT_NODE_ID];
    for (const name of path.split("/")) {
      const next: string[] = [];
      for (const id of ids) next.push(...childrenNamed(id, name));
      if (next.length === 0) return [];
      ids = next;
    }
    return ids;
  };

  const nodes = new Set<string>();
  const paths = new Set<string>();
  const touchedDirs = new Set<string>();
  const touchedPaths = new Set<string>();
  const work: Array<() => void> = [];
  let overflow = false;
  const full = (): boolean => {
    if (nodes.size + paths.size > limit) overflow = true;
    return overflow;
  };

  const addNode = (id: string): void => {
    if (id === ROOT_NODE_ID || nodes.has(id) || full()) return;
    nodes.add(id);
    const s = synced.get(id);
    const r = remote.get(id);
    // Every folder above it, on both sides.
    if (s) addNode(s.parentId);
    if (r) addNode(r.parentId);
    const sp = s ? pathIn(synced, id, () => true) : null;
    const rp = r ? pathIn(remote, id, (n) => n.kind !== "deleted") : null;
    if (sp !== null) addPath(sp);
    if (rp !== null) addPath(rp);
    // A node with no synced path (its folder forgotten) is looked for by its inode: any entry with it.
    if (s && sp === null) for (const e of withInode(s.stamp.ino)) addPath(e.path);
  };
  const addPath = (path: string): void => {
    if (path === "" || paths.has(path) || full()) return;
    paths.add(path);
    addPath(dirOf(path));
    for (const id of syncedAt(path)) addNode(id);
  };
  // A folder holding a change: all its children on each side (not what lies below them).
  const touchDir = (id: string): void => {
    if (touchedDirs.has(id) || full()) return;
    touchedDirs.add(id);
    for (const child of syncedChildren.get(id) ?? []) addNode(child);
    for (const child of remoteChildren.get(id) ?? []) addNode(child);
    if (id === ROOT_NODE_ID) touchPath("");
    else {
      const sp = synced.has(id) ? pathIn(synced, id, () => true) : null;
      const rp = remote.has(id) ? pathIn(remote, id, (n) => n.kind !== "deleted") : null;
      if (sp !== null) touchPath(sp);
      if (rp !== null) touchPath(rp);
    }
  };
  // A folder on disk holding a change. At the base every entry on disk was a synced node's or one the full
  // plan did not find at rest, and every new one since is a changed path: the folder's synced node brings the rest.
  const touchPath = (dir: string): void => {
    if (touchedPaths.has(dir) || full()) return;
    touchedPaths.add(dir);
    if (dir === "") touchDir(ROOT_NODE_ID);
    else for (const id of syncedAt(dir)) touchDir(id);
  };
  // A changed node: itself, all it holds on each side, the folders that hold it.
  const changedNode = (id: string): void => {
    // Both trees' children: a tree caught half-way may hold a cycle, so each node is walked once.
    const below = new Set([id]);
    for (const at of below) {
      if (full()) break;
      addNode(at);
      for (const child of syncedChildren.get(at) ?? []) below.add(child);
      for (const child of remoteChildren.get(at) ?? []) below.add(child);
    }
    const s = synced.get(id);
    const r = remote.get(id);
    if (s) work.push(() => touchDir(s.parentId));
    if (r) work.push(() => touchDir(r.parentId));
    const sp = s ? pathIn(synced, id, () => true) : null;
    const rp = r ? pathIn(remote, id, (n) => n.kind !== "deleted") : null;
    for (const p of [sp, rp]) if (p !== null) work.push(() => changedPath(p));
  };
  // A changed path: the entry, all it holds on disk, the nodes found there, the folder that holds it.
  const changedPath = (path: string): void => {
    if (path === "") return;
    const below = [path];
    for (let i = 0; i < below.length && !full(); i++) {
      const at = below[i]!;
      addPath(at);
      if (local.get(at)?.kind === "dir") for (const e of localChildrenOf(at)) below.push(e.path);
    }
    for (const id of syncedAt(path)) work.push(() => changedNodeOnce(id));
    work.push(() => touchPath(dirOf(path)));
  };
  const changedNodes = new Set<string>();
  const changedNodeOnce = (id: string): void => {
    if (changedNodes.has(id)) return;
    changedNodes.add(id);
    changedNode(id);
  };

  for (const id of changes.nodes) changedNodeOnce(id);
  // The paths changed nodes had: what they left there (a file the executor could not remove) is new now.
  if (changes.before) {
    const then = <T>(tree: ReadonlyMap<string, T>, before: ReadonlyMap<string, T | undefined>) => ({ get: (id: string) => (before.has(id) ? before.get(id) : tree.get(id)) });
    const syncedThen = then(synced, changes.before.synced);
    const remoteThen = then(remote, changes.before.remote);
    for (const id of changes.nodes) {
      const sp = changes.before.synced.has(id) ? pathIn(syncedThen, id, () => true) : null;
      const rp = changes.before.remote.has(id) ? pathIn(remoteThen, id, (n: RemoteNode) => n.kind !== "deleted") : null;
      for (const p of [sp, rp]) if (p !== null) work.push(() => changedPath(p));
    }
  }
  for (const path of changes.paths) work.push(() => changedPath(path));
  while (work.length > 0 && !full()) work.pop()!();
  if (overflow) return null;

  const keep = <V>(map: ReadonlyMap<string, V>, wanted: ReadonlySet<string>): Map<string, V> => {
    const out = new Map<string, V>();
    for (const [key, value] of map) if (wanted.has(key)) out.set(key, value);
    return out;
  };
  return { ...input, synced: keep(synced, nodes), remote: keep(remote, nodes), local: keep(local, paths) };
}
