/**
 * The properties a property run checks (A8, A11, A16): no version lost,
 * convergence, no false conflict, valid trees. Each check returns messages,
 * empty when it holds.
 */
import { stampChanged } from "../../../../lib/agent/coordinator/plan.ts";
import { pathResolver } from "../../../../lib/agent/coordinator/tree-paths.ts";
import { ROOT_NODE_ID } from "../../../../lib/agent/tree/nodes.ts";
import type { CopyRecord } from "./model-executor.ts";
import { stampOf, type World } from "./world.ts";

/** The properties, by name. */
export const PROPERTIES = ["no version lost", "convergence", "no false conflict", "valid tree", "determinism"] as const;

/** One property's name. */
export type PropertyName = (typeof PROPERTIES)[number];

/** A property that did not hold. */
export interface Violation {
  property: PropertyName;
  message: string;
}

/**
 * Every file content that existed on the disk or on the server, and where it
 * was seen last; a content the user removed from the disk himself is no
 * longer owed (unless the server has it, where it stays anyway).
 */
export class Ledger {
  readonly owed = new Map<string, string>();

  /**
   * Records every content present now.
   * @param w The world.
   * @param when The moment (for the report).
   */
  observe(w: World, when: string): void {
    for (const [p, e] of w.disk.entries) if (e.kind === "file") this.owed.set(e.content, `on disk at ${p} (${when})`);
    for (const [p, n] of w.server.liveTree()) if (n.kind === "file") this.owed.set(n.content.contentHash, `on the server at ${p} (${when})`);
  }

  /**
   * Forgets contents the user removed from the disk, unless another file still holds them.
   * @param tokens The contents removed.
   * @param w The world after the removal.
   */
  release(tokens: readonly string[], w: World): void {
    const still = new Set([...w.disk.entries.values()].map((e) => e.content));
    for (const t of tokens) if (!still.has(t)) this.owed.delete(t);
  }
}

/**
 * No version lost: each owed content is on the disk or in the server's history (live, trash, old versions).
 * @param ledger What is owed.
 * @param w The world at the end.
 * @returns The violations.
 */
export function checkNoLoss(ledger: Ledger, w: World): Violation[] {
  const kept = new Set<string>();
  for (const e of w.disk.entries.values()) if (e.kind === "file") kept.add(e.content);
  for (const h of w.server.history) if (h.kind === "file") kept.add(h.contentHash);
  return [...ledger.owed]
    .filter(([t]) => !kept.has(t))
    .map(([t, where]) => ({ property: "no version lost" as const, message: `content ${t}, last seen ${where}, is neither on the disk nor in the server's history` }));
}

/**
 * Convergence: the disk and the server's live tree are the same, and the synced tree is both.
 * @param w The world after quiescence.
 * @returns The violations.
 */
export function checkConverged(w: World): Violation[] {
  const out: string[] = [];
  const disk = new Map([...w.disk.entries].map(([p, e]) => [p, `${e.kind}:${e.content}`]));
  const server = new Map([...w.server.liveTree()].map(([p, n]) => [p, `${n.kind}:${n.content.contentHash}`]));
  for (const [p, d] of disk) if (server.get(p) !== d) out.push(`${p}: disk has ${d}, server has ${server.get(p) ?? "nothing"}`);
  for (const [p, s] of server) if (!disk.has(p)) out.push(`${p}: server has ${s}, disk has nothing`);
  const syncedPath = pathResolver(w.synced);
  const syncedPaths = new Set<string>();
  for (const s of w.synced.values()) {
    const p = syncedPath(s.nodeId);
    if (p === null) {
      out.push(`synced node ${s.nodeId} (${s.name}) has no path`);
      continue;
    }
    syncedPaths.add(p);
    const r = w.server.nodes.get(s.nodeId);
    const rp = w.server.pathOf(s.nodeId);
    if (!r || rp !== p) out.push(`synced ${s.nodeId} at ${p}: the server has it at ${rp ?? "no live path"}`);
    else if (r.version !== s.version || r.content.contentHash !== s.content.contentHash || r.kind !== s.kind) {
      out.push(`synced ${s.nodeId} at ${p}: base v${s.version} ${s.content.contentHash}, server v${r.version} ${r.content.contentHash}`);
    }
    const e = w.disk.entries.get(p);
    if (!e) out.push(`synced ${s.nodeId} at ${p}: nothing on disk`);
    else if (e.kind !== s.kind || stampChanged(s.stamp, stampOf(e))) out.push(`synced ${s.nodeId} at ${p}: the disk's stamp differs from the base's`);
  }
  for (const p of disk.keys()) if (!syncedPaths.has(p)) out.push(`${p}: on disk, not in the synced tree`);
  return out.map((message) => ({ property: "convergence" as const, message }));
}

/**
 * No false conflict: nothing was moved aside with the content the server had for the path. A synced node's own
 * file moved aside whose node has other content on the server is no copy of what takes the path: it keeps its
 * node, which brings that other content to the copy's path (two nodes wanted one name; neither is duplicated).
 * @param copies The conflict copies and set-asides made.
 * @returns The violations.
 */
export function checkNoFalseConflict(copies: readonly CopyRecord[]): Violation[] {
  return copies
    .filter((c) => c.kind === "file" && c.local !== "" && c.local === c.remote && (c.own === undefined || c.own === c.local))
    .map((c) => ({ property: "no false conflict" as const, message: `${c.via} ${c.path} -> ${c.copyPath}: both sides had ${c.local}` }));
}

interface TreeNode {
  nodeId: string;
  parentId: string;
  name: string;
  kind: string;
}

function checkTree(label: string, nodes: ReadonlyMap<string, TreeNode>, counts: (n: TreeNode) => boolean): string[] {
  const out: string[] = [];
  const names = new Map<string, string>();
  for (const n of nodes.values()) {
    if (!counts(n)) continue;
    const seen = new Set<string>();
    for (let id = n.nodeId; id !== ROOT_NODE_ID; ) {
      if (seen.has(id)) {
        out.push(`${label}: ${n.nodeId} is in a cycle`);
        break;
      }
      seen.add(id);
      const up = nodes.get(id);
      if (!up) {
        out.push(`${label}: ${n.nodeId} (${n.name}) is an orphan (no ${id})`);
        break;
      }
      id = up.parentId;
    }
    const parent = nodes.get(n.parentId);
    if (n.parentId !== ROOT_NODE_ID && parent && parent.kind !== "dir") out.push(`${label}: ${n.nodeId} (${n.name}) is inside a ${parent.kind}`);
    const key = `${n.parentId}/${n.name}`;
    const other = names.get(key);
    if (other !== undefined) out.push(`${label}: ${other} and ${n.nodeId} are both ${n.name} in ${n.parentId}`);
    else names.set(key, n.nodeId);
  }
  return out;
}

/**
 * A valid tree: the synced tree and the server's live tree have no orphan, no
 * cycle, no node inside a file and unique names per folder; no two synced
 * nodes claim the same entry on disk.
 * @param w The world.
 * @param synced Whether to check the synced tree too (it may be caught half-way between two passes).
 * @returns The violations.
 */
export function checkValidTrees(w: World, synced = true): Violation[] {
  const out = checkTree("server", w.server.nodes, (n) => n.kind !== "deleted" && w.server.isLive(n.nodeId));
  if (!synced) return out.map((message) => ({ property: "valid tree" as const, message }));
  out.push(...checkTree("synced", w.synced, () => true));
  const byIno = new Map<number, string>();
  for (const s of w.synced.values()) {
    const other = byIno.get(s.stamp.ino);
    if (other !== undefined) out.push(`synced: ${other} and ${s.nodeId} have the same disk entry (inode ${s.stamp.ino})`);
    else byIno.set(s.stamp.ino, s.nodeId);
  }
  return out.map((message) => ({ property: "valid tree" as const, message }));
}
