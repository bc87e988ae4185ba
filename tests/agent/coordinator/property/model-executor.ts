/**
 * Carries a plan out against the in-memory world the way the executor
 * (lib/agent/engine/executor.ts) does against the disk and the server: the
 * same order of steps, the same re-checks before touching the disk, the
 * same answers to a refused commit. A step made to fail changes nothing.
 */
import type { Action, DownloadAction, Plan, UploadAction } from "../../../../lib/agent/coordinator/actions.ts";
import { dirOf, joinPath, nameOf } from "../../../../lib/agent/coordinator/tree-paths.ts";
import { conflictCopyName } from "../../../../lib/agent/conflicts/conflict-name.ts";
import type { LocalStamp, RemoteNode } from "../../../../lib/agent/tree/nodes.ts";
import { asRemote, fileContent, FsError, stampOf, syncedOf, type CommitRequest, type World } from "./world.ts";

/** What can go wrong with one step on purpose. */
export type Outcome = "fail" | "changed" | "stale";

/** A conflict copy or a set-aside the executor made, with what the planner knew then. */
export interface CopyRecord {
  via: "conflict" | "set-aside";
  path: string;
  copyPath: string;
  kind: "file" | "dir";
  /** The content moved aside ("" for a folder). */
  local: string;
  /** The content the plan's remote view had for the node that takes the path ("" when none or a folder). */
  remote: string;
  /**
   * For a synced node's own file moved aside: the content the plan's remote view had for that node (the file
   * keeps its node, which brings that content to the copy's path); undefined for a new file.
   */
  own?: string;
}

/** How a run of one plan went. */
export interface ModelResult {
  failed: Set<string>;
  unstable: Set<string>;
  replan: boolean;
  copies: CopyRecord[];
}

class Changed extends Error {
  constructor(
    readonly path: string,
    readonly whileReading: boolean,
  ) {
    super(`${path} changed`);
  }
}

class Injected extends Error {}

const MACHINE = "laptop";
const WHEN = new Date(2026, 0, 2, 3, 4, 5);

function sameContentStamp(a: LocalStamp | null, b: LocalStamp | null): boolean {
  if (a === null || b === null) return a === b;
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

interface Pending {
  request: CommitRequest;
  path: string;
  index: number;
  after: (r: RemoteNode) => void;
}

/**
 * Runs one plan against the world.
 * @param world The disk, the server and the synced tree (changed in place).
 * @param plan The plan.
 * @param view The remote tree the plan was made from.
 * @param outcomes What goes wrong on purpose, by action index in the plan.
 * @returns Failed and unstable paths, whether to plan again, and the copies made.
 */
export function runPlan(world: World, plan: Plan, view: ReadonlyMap<string, RemoteNode>, outcomes: ReadonlyMap<number, Outcome> = new Map()): ModelResult {
  const { disk, server, synced } = world;
  const result: ModelResult = { failed: new Set(), unstable: new Set(), replan: false, copies: [] };
  const moved: Array<[string, string]> = [];
  const indexOf = new Map<Action, number>(plan.actions.map((a, i) => [a, i]));
  const by = <T extends Action["type"]>(type: T) => plan.actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);

  const follow = (path: string): string => {
    let p = path;
    for (const [was, now] of moved) if (p === was || p.startsWith(was + "/")) p = now + p.slice(was.length);
    return p;
  };
  const stampAt = (path: string): LocalStamp | null => {
    const e = disk.entries.get(path);
    return e ? stampOf(e) : null;
  };
  const freeName = (dir: string, name: string): string => {
    for (let attempt = 0; ; attempt++) {
      const candidate = conflictCopyName(name, MACHINE, WHEN, attempt);
      if (!disk.entries.has(follow(joinPath(dir, candidate)))) return candidate;
    }
  };
  const fail = (path: string, error: unknown) => {
    if (error instanceof Changed) {
      if (error.whileReading) result.unstable.add(path);
      result.replan = true;
    } else result.failed.add(path);
  };
  /** Throws what the outcome chosen for this action says. */
  const injected = (a: Action, path: string) => {
    const outcome = outcomes.get(indexOf.get(a) ?? -1);
    if (outcome === "fail") throw new Injected(`${path} failed`);
    if (outcome === "changed" || outcome === "stale") throw new Changed(path, a.type === "upload");
  };
  const guarded = (path: string, work: () => void) => {
    try {
      work();
    } catch (error) {
      if (!(error instanceof FsError || error instanceof Changed || error instanceof Injected)) throw error;
      fail(path, error);
    }
  };
  const step = (a: Action, path: string, work: () => void) =>
    guarded(path, () => {
      injected(a, path);
      work();
    });
  const commitAll = (batch: Pending[]) => {
    for (const p of batch) {
      const outcome = outcomes.get(p.index);
      if (outcome === "stale" || outcome === "changed") {
        result.replan = true;
        continue;
      }
      if (outcome === "fail") {
        result.failed.add(p.path);
        continue;
      }
      const answer = server.commit(p.request);
      if (answer.status === "ok") p.after(asRemote(answer.node));
      else if (answer.status === "conflict" || answer.status === "name_taken" || answer.status === "parent_not_live") result.replan = true;
      else result.failed.add(p.path);
    }
  };
  const download = (a: DownloadAction) => {
    const target = follow(a.path);
    disk.mkdirp(dirOf(target), () => world.ino());
    if (!sameContentStamp(stampAt(target), a.expectLocal)) throw new Changed(a.path, false);
    const r = a.remote;
    disk.write(target, r.content.contentHash, world.ino(), r.content.mtimeMs);
    synced.set(r.nodeId, syncedOf(r, stampOf(disk.entries.get(target)!)));
  };

  // Set-asides, forgets, adopts, folders, local moves.
  for (const a of by("set-aside")) {
    step(a, a.path, () => {
      const copy = joinPath(dirOf(a.path), freeName(dirOf(a.path), nameOf(a.path)));
      const e = disk.entries.get(a.path);
      disk.rename(a.path, copy);
      const incoming = view.get(a.nodeId);
      const owner = e?.kind === "file" ? [...synced.values()].find((s) => s.kind === "file" && s.stamp.ino === e.ino) : undefined;
      const own = owner === undefined ? undefined : view.get(owner.nodeId);
      result.copies.push({
        via: "set-aside",
        path: a.path,
        copyPath: copy,
        kind: e?.kind ?? a.kind,
        local: e?.content ?? "",
        remote: incoming?.kind === "file" ? incoming.content.contentHash : "",
        ...(own?.kind === "file" ? { own: own.content.contentHash } : {}),
      });
    });
  }
  for (const a of by("forget")) synced.delete(a.nodeId);
  for (const a of by("adopt")) synced.set(a.node.nodeId, a.node);
  for (const a of by("mkdir")) {
    step(a, a.path, () => {
      const path = follow(a.path);
      try {
        disk.mkdir(path, world.ino());
      } catch (error) {
        if (!(error instanceof FsError) || error.code !== "EEXIST") throw error;
        if (!disk.isDir(path)) throw new Changed(a.path, false);
      }
      synced.set(a.nodeId, syncedOf(a.remote, stampAt(path)!));
    });
  }
  for (const a of by("move-local")) {
    const from = follow(a.from);
    step(a, a.to, () => {
      if (disk.entries.has(a.to)) throw new Changed(a.to, false);
      // As the executor: the folder must be there (no mkdir -p), and the base takes the plan's stamp.
      if (!disk.isDir(dirOf(a.to))) throw new Changed(a.to, false);
      disk.rename(from, a.to);
      synced.set(a.nodeId, a.next);
      moved.push([from, a.to]);
    });
  }

  // Commits of folders, moves and deletions, in plan order.
  const places: Pending[] = [];
  for (const a of plan.actions) {
    if (a.type === "place") {
      places.push({
        request: { nodeId: a.nodeId, kind: a.kind, parentId: a.placement.parentId, name: a.placement.name, content: a.content, baseVersion: a.baseVersion },
        path: a.path,
        index: indexOf.get(a)!,
        after: (r) => synced.set(r.nodeId, syncedOf(r, a.stamp)),
      });
    } else if (a.type === "delete-remote") {
      places.push({
        request: { nodeId: a.nodeId, kind: "delete", parentId: a.placement.parentId, name: a.placement.name, content: fileContent("", 0), baseVersion: a.baseVersion },
        path: a.path,
        index: indexOf.get(a)!,
        after: () => synced.delete(a.nodeId),
      });
    }
  }
  commitAll(places);

  // Uploads (their commits batched after them), then downloads.
  const pending: Pending[] = [];
  const upload = (a: UploadAction) => {
    const at = follow(a.path);
    const e = disk.entries.get(at);
    if (!e || e.kind !== "file" || !sameContentStamp(stampOf(e), a.stamp)) throw new Changed(a.path, true);
    const stamp = stampOf(e);
    const content = fileContent(e.content, e.mtimeMs);
    if (a.compareWith) {
      const r = a.compareWith;
      if (r.content.contentHash === e.content) {
        synced.set(r.nodeId, syncedOf(r, stamp));
        return;
      }
      const copyName = freeName(dirOf(a.path), nameOf(a.path));
      const copyPath = joinPath(dirOf(a.path), copyName);
      disk.rename(at, follow(copyPath));
      result.copies.push({ via: "conflict", path: a.path, copyPath, kind: "file", local: e.content, remote: r.content.contentHash });
      const fresh = world.nodeId("k");
      pending.push({
        request: { nodeId: fresh, kind: "file", parentId: a.placement.parentId, name: copyName, content, baseVersion: 0 },
        path: copyPath,
        index: -1,
        after: (node) => synced.set(node.nodeId, syncedOf(node, stamp)),
      });
      download({ type: "download", nodeId: r.nodeId, path: a.path, remote: r, expectLocal: null });
      return;
    }
    const same = synced.get(a.nodeId);
    if (same && a.baseVersion === same.version && same.content.contentHash === e.content && same.parentId === a.placement.parentId && same.name === a.placement.name) {
      synced.set(a.nodeId, { ...same, stamp });
      return;
    }
    pending.push({
      request: { nodeId: a.nodeId, kind: "file", parentId: a.placement.parentId, name: a.placement.name, content, baseVersion: a.baseVersion },
      path: a.path,
      index: indexOf.get(a)!,
      after: (node) => synced.set(node.nodeId, syncedOf(node, stamp)),
    });
  };
  for (const a of by("upload")) {
    // A stale answer is the commit's: the read and any conflict copy go through.
    if (outcomes.get(indexOf.get(a)!) === "stale") guarded(a.path, () => upload(a));
    else step(a, a.path, () => upload(a));
  }
  commitAll(pending);
  for (const a of by("download")) step(a, a.path, () => download(a));

  // Local deletions, deepest first (the plan's order).
  for (const a of by("delete-local")) {
    step(a, a.path, () => {
      const path = follow(a.path);
      const e = disk.entries.get(path);
      if (a.kind === "file") {
        if (!e) {
          if (!a.keepBase) synced.delete(a.nodeId);
          return;
        }
        const now = stampOf(e);
        if (e.kind !== "file" || now.size !== a.expect.size || now.mtimeMs !== a.expect.mtimeMs || now.ino !== a.expect.ino) throw new Changed(a.path, false);
        disk.unlink(path);
      } else {
        try {
          disk.rmdir(path);
        } catch (error) {
          if (!(error instanceof FsError) || (error.code !== "ENOTEMPTY" && error.code !== "ENOENT")) throw error;
        }
      }
      if (!a.keepBase) synced.delete(a.nodeId);
    });
  }
  return result;
}
