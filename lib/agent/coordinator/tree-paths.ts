/**
 * Paths of nodes in a tree of (node id → parent id, name): the synced tree's
 * and the remote tree's. Memoised, and safe against a tree that is not one
 * (a cycle or an orphan gives no path).
 */
import { ROOT_NODE_ID } from "../tree/nodes.ts";

interface TreeLike {
  parentId: string;
  name: string;
}

/**
 * A path resolver over one tree.
 * @param nodes Node id → parent and name.
 * @param isLive Whether a node counts (the remote tree skips tombstones). @default every node
 * @returns `pathOf(id)`: the relative POSIX path, "" for the root, null when the node or an ancestor is missing or not live.
 */
export function pathResolver<T extends TreeLike>(nodes: ReadonlyMap<string, T>, isLive: (node: T) => boolean = () => true): (id: string) => string | null {
  const memo = new Map<string, string | null>([[ROOT_NODE_ID, ""]]);
  const resolve = (id: string): string | null => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const node = nodes.get(id);
    if (node && node.parentId !== id) {
      // The common case: the parent's path is known already (callers go top-down, or ask again).
      const parentPath = memo.get(node.parentId);
      if (parentPath !== undefined) {
        const path = parentPath === null || !isLive(node) ? null : parentPath === "" ? node.name : `${parentPath}/${node.name}`;
        memo.set(id, path);
        return path;
      }
    }
    // Walk up iteratively (deep trees), then fill the memo on the way down.
    const chain: string[] = [];
    const seen = new Set<string>();
    let cursor = id;
    let base: string | null | undefined;
    for (;;) {
      const hit = memo.get(cursor);
      if (hit !== undefined) {
        base = hit;
        break;
      }
      const node = nodes.get(cursor);
      if (!node || !isLive(node) || seen.has(cursor)) {
        base = null;
        break;
      }
      seen.add(cursor);
      chain.push(cursor);
      cursor = node.parentId;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const nodeId = chain[i]!;
      const node = nodes.get(nodeId)!;
      base = base === null ? null : base === "" ? node.name : `${base}/${node.name}`;
      memo.set(nodeId, base);
    }
    return memo.get(id) ?? null;
  };
  return resolve;
}

/**
 * Whether nodes have a path, without building it: the same answer as
 * `pathResolver(nodes, isLive)(id) !== null`, memoised, safe against cycles.
 * @param nodes Node id → parent and name.
 * @param isLive Whether a node counts.
 * @returns `hasPath(id)`.
 */
export function liveResolver<T extends TreeLike>(nodes: ReadonlyMap<string, T>, isLive: (node: T) => boolean): (id: string) => boolean {
  const memo = new Map<string, boolean>([[ROOT_NODE_ID, true]]);
  return (id: string): boolean => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const chain: string[] = [];
    const seen = new Set<string>();
    let cursor = id;
    let live: boolean;
    for (;;) {
      const hit = memo.get(cursor);
      if (hit !== undefined) {
        live = hit;
        break;
      }
      const node = nodes.get(cursor);
      if (!node || !isLive(node) || seen.has(cursor)) {
        live = false;
        break;
      }
      seen.add(cursor);
      chain.push(cursor);
      cursor = node.parentId;
    }
    for (const nodeId of chain) memo.set(nodeId, live);
    return live;
  };
}

/**
 * The folder part of a relative path.
 * @param path `a/b/c`.
 * @returns `a/b`; "" for a top-level entry.
 */
export function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/**
 * The last component of a relative path.
 * @param path `a/b/c`.
 * @returns `c`.
 */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Joins a folder path and a name.
 * @param dir "" for the root.
 * @param name One component.
 * @returns The path.
 */
export function joinPath(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}

/**
 * Items in order of depth, shallowest first, keeping their order within a
 * depth (a stable counting sort: each depth is computed once).
 * @param items The items.
 * @param depth An item's depth (≥ 0; larger values are taken as they are).
 * @returns A new array.
 */
export function byDepth<T>(items: Iterable<T>, depth: (item: T) => number): T[] {
  const buckets: T[][] = [];
  for (const item of items) {
    const d = depth(item);
    (buckets[d] ??= []).push(item);
  }
  const out: T[] = [];
  for (const bucket of buckets) if (bucket) for (const item of bucket) out.push(item);
  return out;
}

/**
 * Depth of a relative path (number of components).
 * @param path The path; "" is the root (0).
 * @returns The depth.
 */
export function depthOf(path: string): number {
  if (path === "") return 0;
  let n = 1;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) n++;
  return n;
}

/**
 * Groups items by a key, in their order; items whose key is null are left out.
 * @param items The items.
 * @param key Each item's key.
 * @returns Key → the items with it.
 */
export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K | null): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
