/**
 * The events of a property run: what the user does on this machine's disk,
 * and what another machine commits to the server, both chosen from the
 * current state so each one is possible (a file to modify exists, a name to
 * rename to is free). Names come from a small set with case variants, so
 * collisions, kind clashes and names differing only in case are frequent;
 * a content is sometimes the other side's, so identical edits happen.
 */
import { depthOf, dirOf, joinPath, nameOf } from "../../../../lib/agent/coordinator/tree-paths.ts";
import { ROOT_NODE_ID } from "../../../../lib/agent/tree/nodes.ts";
import type { Rng } from "../../../helpers/prng.ts";
import { DIR_CONTENT, fileContent, type ServerNode, type World } from "./world.ts";

/** Names entries get: case variants of each other, with and without an extension. */
export const NAMES = ["a", "A", "b", "n.txt", "N.txt", "d"] as const;

/** The deepest a folder an event creates something in. */
const MAX_DEPTH = 3;

/** What an event did. */
export interface EventDone {
  /** One line for the event log. */
  text: string;
  /** Contents the user removed from the disk on purpose (no longer owed). */
  destroyed: string[];
}

function tries<T>(n: number, attempt: () => T | null): T | null {
  for (let i = 0; i < n; i++) {
    const got = attempt();
    if (got !== null) return got;
  }
  return null;
}

function isBelowOrSelf(path: string, top: string): boolean {
  return path === top || path.startsWith(top + "/");
}

/**
 * One thing the user does on this machine's disk.
 * @param rng The run's generator.
 * @param w The world.
 * @returns What happened, or null when nothing fitted.
 */
export function localEvent(rng: Rng, w: World): EventDone | null {
  const { disk } = w;
  const paths = [...disk.entries.keys()].sort();
  const files = paths.filter((p) => disk.entries.get(p)!.kind === "file");
  const dirs = ["", ...paths.filter((p) => disk.entries.get(p)!.kind === "dir")];
  const what = rng.pick(["create-file", "create-file", "create-dir", "modify", "modify", "delete", "rename", "move"] as const);
  switch (what) {
    case "create-file":
    case "create-dir":
      return tries(4, () => {
        const dir = rng.pick(dirs.filter((d) => depthOf(d) < MAX_DEPTH));
        const path = joinPath(dir, rng.pick(NAMES));
        if (disk.entries.has(path)) return null;
        if (what === "create-dir") {
          disk.mkdir(path, w.ino());
          return { text: `local mkdir ${path}`, destroyed: [] };
        }
        const there = w.server.atPath(path);
        const content = there?.kind === "file" && rng.chance(0.4) ? there.content.contentHash : w.token();
        disk.write(path, content, w.ino(), w.tick());
        return { text: `local create ${path} = ${content}`, destroyed: [] };
      });
    case "modify": {
      if (files.length === 0) return null;
      const path = rng.pick(files);
      const e = disk.entries.get(path)!;
      const there = w.server.atPath(path);
      const content = there?.kind === "file" && there.content.contentHash !== e.content && rng.chance(0.3) ? there.content.contentHash : w.token();
      const inPlace = rng.chance(0.7);
      disk.write(path, content, inPlace ? e.ino : w.ino(), w.tick());
      return { text: `local modify ${path} ${e.content} -> ${content}${inPlace ? "" : " (new inode)"}`, destroyed: [e.content] };
    }
    case "delete": {
      if (paths.length === 0) return null;
      const path = rng.pick(paths);
      return { text: `local delete ${path}`, destroyed: disk.removeTree(path) };
    }
    case "rename":
      if (paths.length === 0) return null;
      return tries(4, () => {
        const from = rng.pick(paths);
        const to = joinPath(dirOf(from), rng.pick(NAMES));
        if (disk.entries.has(to)) return null;
        disk.rename(from, to);
        return { text: `local rename ${from} -> ${to}`, destroyed: [] };
      });
    case "move":
      if (paths.length === 0) return null;
      return tries(4, () => {
        const from = rng.pick(paths);
        const isDir = disk.entries.get(from)!.kind === "dir";
        const siblings = dirs.filter((d) => d !== "" && dirOf(d) === dirOf(from) && d !== from);
        const targets = isDir && siblings.length > 0 && rng.chance(0.5) ? siblings : dirs.filter((d) => d !== dirOf(from) && !isBelowOrSelf(d, from));
        if (targets.length === 0) return null;
        const dir = rng.pick(targets);
        const name = disk.entries.has(joinPath(dir, nameOf(from))) ? rng.pick(NAMES) : nameOf(from);
        const to = joinPath(dir, name);
        if (disk.entries.has(to)) return null;
        disk.rename(from, to);
        return { text: `local move ${from} -> ${to}`, destroyed: [] };
      });
  }
}

/**
 * One thing another machine commits to the server (always with the head as its base).
 * @param rng The run's generator.
 * @param w The world.
 * @returns What happened, or null when nothing fitted.
 */
export function remoteEvent(rng: Rng, w: World): EventDone | null {
  const { server, disk } = w;
  const live = [...server.liveTree()];
  const files = live.filter(([, n]) => n.kind === "file");
  const dirs: Array<[string, string]> = [["", ROOT_NODE_ID], ...live.filter(([, n]) => n.kind === "dir").map(([p, n]): [string, string] => [p, n.nodeId])];
  const commitMove = (path: string, n: ServerNode, parentId: string, name: string, to: string, verb: string): EventDone | null => {
    const answer = server.commit({ nodeId: n.nodeId, kind: n.kind === "dir" ? "dir" : "file", parentId, name, content: n.content, baseVersion: n.version });
    return answer.status === "ok" ? { text: `remote ${verb} ${path} -> ${to}`, destroyed: [] } : null;
  };
  const what = rng.pick(["create-file", "create-file", "create-dir", "modify", "modify", "delete", "rename", "move"] as const);
  switch (what) {
    case "create-file":
    case "create-dir":
      return tries(4, () => {
        const [dir, parentId] = rng.pick(dirs.filter(([d]) => depthOf(d) < MAX_DEPTH));
        const name = rng.pick(NAMES);
        const path = joinPath(dir, name);
        if (server.occupant(parentId, name)) return null;
        const here = disk.entries.get(path);
        const token = what === "create-file" ? (here?.kind === "file" && rng.chance(0.4) ? here.content : w.token()) : "";
        const content = what === "create-file" ? fileContent(token, w.tick()) : DIR_CONTENT;
        const answer = server.commit({ nodeId: w.nodeId("r"), kind: what === "create-file" ? "file" : "dir", parentId, name, content, baseVersion: 0 });
        if (answer.status !== "ok") return null;
        return { text: what === "create-file" ? `remote create ${path} = ${token}` : `remote mkdir ${path}`, destroyed: [] };
      });
    case "modify": {
      if (files.length === 0) return null;
      const [path, n] = rng.pick(files);
      const here = disk.entries.get(path);
      const token = here?.kind === "file" && here.content !== n.content.contentHash && rng.chance(0.3) ? here.content : w.token();
      const answer = server.commit({ nodeId: n.nodeId, kind: "file", parentId: n.parentId, name: n.name, content: fileContent(token, w.tick()), baseVersion: n.version });
      return answer.status === "ok" ? { text: `remote modify ${path} ${n.content.contentHash} -> ${token}`, destroyed: [] } : null;
    }
    case "delete": {
      if (live.length === 0) return null;
      const [path, n] = rng.pick(live);
      const answer = server.commit({ nodeId: n.nodeId, kind: "delete", parentId: n.parentId, name: n.name, content: DIR_CONTENT, baseVersion: n.version });
      return answer.status === "ok" ? { text: `remote delete ${path}`, destroyed: [] } : null;
    }
    case "rename":
      if (live.length === 0) return null;
      return tries(4, () => {
        const [path, n] = rng.pick(live);
        const name = rng.pick(NAMES);
        return commitMove(path, n, n.parentId, name, joinPath(dirOf(path), name), "rename");
      });
    case "move":
      if (live.length === 0) return null;
      return tries(4, () => {
        const [path, n] = rng.pick(live);
        const siblings = dirs.filter(([d, id]) => d !== "" && dirOf(d) === dirOf(path) && id !== n.nodeId);
        const targets = n.kind === "dir" && siblings.length > 0 && rng.chance(0.5) ? siblings : dirs.filter(([d, id]) => id !== n.parentId && !isBelowOrSelf(d, path));
        if (targets.length === 0) return null;
        const [dir, parentId] = rng.pick(targets);
        const name = server.occupant(parentId, n.name) ? rng.pick(NAMES) : n.name;
        return commitMove(path, n, parentId, name, joinPath(dir, name), "move");
      });
  }
}
