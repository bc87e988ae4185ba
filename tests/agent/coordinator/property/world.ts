/**
 * The in-memory world of a property run: one machine's disk, the server and
 * the machine's synced tree. The disk behaves like a POSIX file system for
 * what the executor does (rename keeps inode and mtime, a write in place
 * keeps the inode, a download lands as a new inode); the server checks
 * commits as the real one does (base version, live parent, free name, no
 * cycle) and keeps every version it ever accepted (history and trash).
 */
import type { RemoteNode, SyncedNode, Content, LocalEntry, LocalStamp } from "../../../../lib/agent/tree/nodes.ts";
import { ROOT_NODE_ID } from "../../../../lib/agent/tree/nodes.ts";
import { dirOf } from "../../../../lib/agent/coordinator/tree-paths.ts";

/** A file-system error with its POSIX code. */
export class FsError extends Error {
  /**
   * @param code ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL.
   * @param path The path concerned.
   */
  constructor(
    readonly code: string,
    path: string,
  ) {
    super(`${code}: ${path}`);
  }
}

/** One entry of the in-memory disk. */
export interface DiskEntry {
  kind: "file" | "dir";
  ino: number;
  mtimeMs: number;
  /** The file's content (a token naming it); "" for a folder. */
  content: string;
}

/**
 * The stamp the scanner would read for an entry.
 * @param e The entry.
 * @returns Inode, size, mtime and mode.
 */
export function stampOf(e: DiskEntry): LocalStamp {
  return e.kind === "dir" ? { ino: e.ino, size: 0, mtimeMs: 0, mode: 0o40755 } : { ino: e.ino, size: e.content.length, mtimeMs: e.mtimeMs, mode: 0o100644 };
}

/** The disk's entries, noting every path set or removed, as a watcher would report it. */
class WatchedEntries extends Map<string, DiskEntry> {
  /** Paths set or removed since {@link Disk.takeTouched}. */
  touched = new Set<string>();

  override set(path: string, entry: DiskEntry): this {
    this.touched?.add(path);
    return super.set(path, entry);
  }

  override delete(path: string): boolean {
    const had = super.delete(path);
    if (had) this.touched.add(path);
    return had;
  }
}

/** An in-memory disk: relative POSIX path → entry; "" is the root folder. */
export class Disk {
  readonly entries: Map<string, DiskEntry> = new WatchedEntries();

  /**
   * The paths set or removed since the last call (what a watcher reports, and what this machine wrote).
   * @returns Those paths.
   */
  takeTouched(): Set<string> {
    const entries = this.entries as WatchedEntries;
    const touched = entries.touched;
    entries.touched = new Set();
    return touched;
  }

  /**
   * @param path A relative path.
   * @returns Whether it is the root or a folder.
   */
  isDir(path: string): boolean {
    return path === "" || this.entries.get(path)?.kind === "dir";
  }

  private requireParent(path: string): void {
    const dir = dirOf(path);
    if (!this.isDir(dir)) throw new FsError(this.entries.has(dir) ? "ENOTDIR" : "ENOENT", path);
  }

  /**
   * Paths at or below a path.
   * @param path The top.
   * @returns Those paths, shallowest first.
   */
  below(path: string): string[] {
    return [...this.entries.keys()].filter((p) => p === path || p.startsWith(path + "/")).sort();
  }

  /**
   * The direct children of a folder.
   * @param dir The folder ("" for the root).
   * @returns Their paths.
   */
  children(dir: string): string[] {
    return [...this.entries.keys()].filter((p) => dirOf(p) === dir && p !== "").sort();
  }

  /**
   * Creates a folder (its parent must exist).
   * @param path Where.
   * @param ino Its inode.
   */
  mkdir(path: string, ino: number): void {
    this.requireParent(path);
    if (this.entries.has(path)) throw new FsError("EEXIST", path);
    this.entries.set(path, { kind: "dir", ino, mtimeMs: 0, content: "" });
  }

  /**
   * Creates a folder and the missing folders above it.
   * @param path Where.
   * @param nextIno Gives fresh inodes.
   */
  mkdirp(path: string, nextIno: () => number): void {
    if (path === "") return;
    const e = this.entries.get(path);
    if (e) {
      if (e.kind !== "dir") throw new FsError("ENOTDIR", path);
      return;
    }
    this.mkdirp(dirOf(path), nextIno);
    this.entries.set(path, { kind: "dir", ino: nextIno(), mtimeMs: 0, content: "" });
  }

  /**
   * Writes a whole file (replacing a file there; the parent must exist).
   * @param path Where.
   * @param content Its content token.
   * @param ino Its inode (the old one for a write in place).
   * @param mtimeMs Its mtime.
   */
  write(path: string, content: string, ino: number, mtimeMs: number): void {
    this.requireParent(path);
    if (this.entries.get(path)?.kind === "dir") throw new FsError("EISDIR", path);
    this.entries.set(path, { kind: "file", ino, mtimeMs, content });
  }

  /**
   * Renames an entry and everything below it, like rename(2).
   * @param from The old path.
   * @param to The new path (a file there is replaced, an empty folder too).
   */
  rename(from: string, to: string): void {
    const src = this.entries.get(from);
    if (!src) throw new FsError("ENOENT", from);
    if (from === to) return;
    if (to.startsWith(from + "/")) throw new FsError("EINVAL", to);
    this.requireParent(to);
    const target = this.entries.get(to);
    if (target) {
      if (src.kind === "file" && target.kind === "dir") throw new FsError("EISDIR", to);
      if (src.kind === "dir" && target.kind === "file") throw new FsError("ENOTDIR", to);
      if (target.kind === "dir" && this.children(to).length > 0) throw new FsError("ENOTEMPTY", to);
      this.entries.delete(to);
    }
    const moving = this.below(from).map((p) => [p, this.entries.get(p)!] as const);
    for (const [p] of moving) this.entries.delete(p);
    for (const [p, e] of moving) this.entries.set(to + p.slice(from.length), e);
  }

  /**
   * Removes a file.
   * @param path The file.
   */
  unlink(path: string): void {
    const e = this.entries.get(path);
    if (!e) throw new FsError("ENOENT", path);
    if (e.kind === "dir") throw new FsError("EISDIR", path);
    this.entries.delete(path);
  }

  /**
   * Removes an empty folder.
   * @param path The folder.
   */
  rmdir(path: string): void {
    const e = this.entries.get(path);
    if (!e) throw new FsError("ENOENT", path);
    if (e.kind !== "dir") throw new FsError("ENOTDIR", path);
    if (this.children(path).length > 0) throw new FsError("ENOTEMPTY", path);
    this.entries.delete(path);
  }

  /**
   * Removes an entry and everything below it (a user's `rm -r`).
   * @param path The top.
   * @returns The contents of the files removed.
   */
  removeTree(path: string): string[] {
    const gone: string[] = [];
    for (const p of this.below(path)) {
      const e = this.entries.get(p)!;
      if (e.kind === "file") gone.push(e.content);
      this.entries.delete(p);
    }
    return gone;
  }

  /**
   * What the scanner sees.
   * @returns Path → entry, sorted by path.
   */
  scan(): Map<string, LocalEntry> {
    const out = new Map<string, LocalEntry>();
    for (const p of [...this.entries.keys()].sort()) {
      const e = this.entries.get(p)!;
      out.set(p, { path: p, kind: e.kind, stamp: stampOf(e) });
    }
    return out;
  }
}

/** A node's head on the server. */
export interface ServerNode {
  nodeId: string;
  parentId: string;
  name: string;
  kind: "file" | "dir" | "deleted";
  version: number;
  content: Content;
}

/** One item of a commit request. */
export interface CommitRequest {
  nodeId: string;
  kind: "file" | "dir" | "delete";
  parentId: string;
  name: string;
  content: Content;
  baseVersion: number;
}

/** The server's answer to one item. */
export type CommitAnswer = { status: "ok"; node: ServerNode } | { status: "conflict" | "name_taken" | "parent_not_live" | "cycle" | "invalid" };

/** A version the server accepted (kept for ever: history and trash). */
export interface HistoryEntry {
  nodeId: string;
  version: number;
  kind: "file" | "dir" | "deleted";
  contentHash: string;
}

/**
 * A file's content as a manifest describes it.
 * @param token The content token.
 * @param mtimeMs The mtime it was read with.
 * @returns The content.
 */
export function fileContent(token: string, mtimeMs: number): Content {
  return { size: token.length, mtimeMs, mode: 0o644, chunks: [], contentHash: token };
}

/** A folder's content. */
export const DIR_CONTENT: Content = Object.freeze({ size: 0, mtimeMs: 0, mode: 0o755, chunks: [], contentHash: "" });

/** The in-memory server: heads by node id, and every version ever accepted. */
export class Server {
  readonly nodes = new Map<string, ServerNode>();
  readonly history: HistoryEntry[] = [];

  /**
   * Whether a node is live: not deleted, and every folder above it live.
   * @param nodeId The node.
   * @returns True when live.
   */
  isLive(nodeId: string): boolean {
    const seen = new Set<string>();
    for (let id = nodeId; id !== ROOT_NODE_ID; ) {
      const n = this.nodes.get(id);
      if (!n || n.kind === "deleted" || seen.has(id)) return false;
      seen.add(id);
      id = n.parentId;
    }
    return true;
  }

  private parentProblem(parentId: string): boolean {
    if (parentId === ROOT_NODE_ID) return false;
    const head = this.nodes.get(parentId);
    return !head || head.kind !== "dir" || !this.isLive(parentId);
  }

  private isAncestorOrSelf(ancestorId: string, nodeId: string): boolean {
    const seen = new Set<string>();
    for (let id = nodeId; id !== ROOT_NODE_ID && !seen.has(id); ) {
      if (id === ancestorId) return true;
      seen.add(id);
      const n = this.nodes.get(id);
      if (!n) return false;
      id = n.parentId;
    }
    return false;
  }

  /**
   * The live node of a folder with a name.
   * @param parentId The folder.
   * @param name The name (case-sensitive).
   * @param except A node to leave out (the one moving there).
   * @returns The occupant, if any.
   */
  occupant(parentId: string, name: string, except = ""): ServerNode | undefined {
    for (const n of this.nodes.values()) {
      if (n.nodeId !== except && n.parentId === parentId && n.name === name && n.kind !== "deleted" && this.isLive(n.nodeId)) return n;
    }
    return undefined;
  }

  /**
   * Checks and records one commit item, as the server does.
   * @param item The item.
   * @returns ok with the new head, or why not.
   */
  commit(item: CommitRequest): CommitAnswer {
    const head = this.nodes.get(item.nodeId);
    const headVersion = head?.version ?? 0;
    if (headVersion !== item.baseVersion) return { status: "conflict" };
    let next: ServerNode;
    if (item.kind === "delete") {
      if (!head || head.kind === "deleted") return { status: "invalid" };
      if (this.parentProblem(head.parentId)) return { status: "parent_not_live" };
      next = { ...head, kind: "deleted", version: headVersion + 1, content: { ...DIR_CONTENT, mode: 0 } };
    } else {
      if (head?.kind === "deleted") return { status: "invalid" };
      if (head && head.kind !== item.kind) return { status: "invalid" };
      if (head && !this.isLive(item.nodeId) && this.parentProblem(head.parentId)) return { status: "parent_not_live" };
      const moving = head !== undefined && head.parentId !== item.parentId;
      if (item.parentId === item.nodeId || (moving && this.isAncestorOrSelf(item.nodeId, item.parentId))) return { status: "cycle" };
      if (this.parentProblem(item.parentId)) return { status: "parent_not_live" };
      if (this.occupant(item.parentId, item.name, item.nodeId)) return { status: "name_taken" };
      next = { nodeId: item.nodeId, parentId: item.parentId, name: item.name, kind: item.kind, version: headVersion + 1, content: item.content };
    }
    this.nodes.set(next.nodeId, next);
    this.history.push({ nodeId: next.nodeId, version: next.version, kind: next.kind, contentHash: next.content.contentHash });
    return { status: "ok", node: next };
  }

  /**
   * What the agent pulls: every head, tombstones included.
   * @returns Node id → remote node.
   */
  view(): Map<string, RemoteNode> {
    const out = new Map<string, RemoteNode>();
    for (const id of [...this.nodes.keys()].sort()) out.set(id, asRemote(this.nodes.get(id)!));
    return out;
  }

  /**
   * The path of a live node.
   * @param nodeId The node.
   * @returns Its path, or null when it is not live.
   */
  pathOf(nodeId: string): string | null {
    if (!this.isLive(nodeId)) return null;
    const parts: string[] = [];
    for (let id = nodeId; id !== ROOT_NODE_ID; ) {
      const n = this.nodes.get(id)!;
      parts.unshift(n.name);
      id = n.parentId;
    }
    return parts.join("/");
  }

  /**
   * The live tree.
   * @returns Path → live node, sorted by path.
   */
  liveTree(): Map<string, ServerNode> {
    const out: Array<[string, ServerNode]> = [];
    for (const n of this.nodes.values()) {
      const p = this.pathOf(n.nodeId);
      if (p !== null) out.push([p, n]);
    }
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new Map(out);
  }

  /**
   * The live node at a path.
   * @param path The path ("" is the root: none).
   * @returns The node, if any.
   */
  atPath(path: string): ServerNode | undefined {
    if (path === "") return undefined;
    let parentId = ROOT_NODE_ID;
    let node: ServerNode | undefined;
    for (const part of path.split("/")) {
      node = this.occupant(parentId, part);
      if (!node) return undefined;
      parentId = node.nodeId;
    }
    return node;
  }

  /**
   * The folder id a live folder path names.
   * @param path "" for the root.
   * @returns Its node id, or null.
   */
  dirIdAt(path: string): string | null {
    if (path === "") return ROOT_NODE_ID;
    const n = this.atPath(path);
    return n && n.kind === "dir" ? n.nodeId : null;
  }
}

/**
 * The remote node the agent reads for a head.
 * @param n The head.
 * @returns Its remote node (the manifest hash named after node and version).
 */
export function asRemote(n: ServerNode): RemoteNode {
  return { nodeId: n.nodeId, parentId: n.parentId, name: n.name, kind: n.kind, version: n.version, hash: `h-${n.nodeId}-${n.version}`, content: n.content };
}

/**
 * The synced node an executor records for a remote node and a stamp.
 * @param r The remote node.
 * @param stamp The disk's stamp.
 * @returns The synced node.
 */
export function syncedOf(r: RemoteNode, stamp: LocalStamp): SyncedNode {
  return { nodeId: r.nodeId, parentId: r.parentId, name: r.name, kind: r.kind === "dir" ? "dir" : "file", version: r.version, hash: r.hash, content: r.content, stamp };
}

/** One machine's disk, the server, the machine's synced tree, and the counters that make names. */
export class World {
  readonly disk = new Disk();
  readonly server = new Server();
  readonly synced = new Map<string, SyncedNode>();
  #clock = 1_000;
  #ino = 100;
  #ids = 0;
  #tokens = 0;

  /** @returns A fresh, later mtime. */
  tick(): number {
    return ++this.#clock;
  }

  /** @returns A fresh inode. */
  ino(): number {
    return ++this.#ino;
  }

  /**
   * A fresh node id.
   * @param prefix Who made it (the planner, the executor, the other machine).
   * @returns The id.
   */
  nodeId(prefix: string): string {
    return `${prefix}${++this.#ids}`;
  }

  /** @returns A content token never used before. */
  token(): string {
    return `c${++this.#tokens}`;
  }

  /**
   * Adds an entry that is the same on disk, on the server and in the synced tree (the starting state).
   * @param path Its path (its folder must be synced already).
   * @param kind File or folder.
   * @returns Its node id.
   */
  addSynced(path: string, kind: "file" | "dir"): string {
    const parentId = this.server.dirIdAt(dirOf(path));
    if (parentId === null) throw new Error(`no folder for ${path}`);
    const name = path.slice(path.lastIndexOf("/") + 1);
    const nodeId = this.nodeId("s");
    const ino = this.ino();
    const mtime = this.tick();
    const token = kind === "file" ? this.token() : "";
    if (kind === "file") this.disk.write(path, token, ino, mtime);
    else this.disk.mkdir(path, ino);
    const answer = this.server.commit({ nodeId, kind, parentId, name, content: kind === "file" ? fileContent(token, mtime) : DIR_CONTENT, baseVersion: 0 });
    if (answer.status !== "ok") throw new Error(`cannot seed ${path}: ${answer.status}`);
    this.synced.set(nodeId, syncedOf(asRemote(answer.node), stampOf(this.disk.entries.get(path)!)));
    return nodeId;
  }

  /**
   * Everything, in a stable text form (for determinism and failure reports).
   * @returns The snapshot.
   */
  snapshot(): string {
    const disk = [...this.disk.entries].sort().map(([p, e]) => `${p}:${e.kind}:${e.content}:${e.ino}:${e.mtimeMs}`);
    const server = [...this.server.nodes.values()].map((n) => `${n.nodeId}:${n.parentId}/${n.name}:${n.kind}:${n.version}:${n.content.contentHash}`).sort();
    const synced = [...this.synced.values()].map((s) => `${s.nodeId}:${s.parentId}/${s.name}:${s.kind}:${s.version}:${s.content.contentHash}:${s.stamp.ino}`).sort();
    return JSON.stringify({ disk, server, synced });
  }
}

