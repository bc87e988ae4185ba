/**
 * The paths of the nodes a checkpoint check contradicts (C6): the planner
 * leaves them alone, on disk and on the server, until a later check passes.
 * Pure logic.
 */
import { pathResolver } from "../coordinator/tree-paths.ts";
import type { RemoteNode, SyncedNode } from "../tree/nodes.ts";

/**
 * A test for paths at or under a suspect node, where the remote tree or the synced base puts it.
 * @param suspects Node ids the check contradicts.
 * @param remote The verified remote tree.
 * @param synced The synced base.
 * @returns `(path) => boolean`, or null when no path is suspect (the common case: nothing to test).
 */
export function suspectPaths(
  suspects: ReadonlySet<string>,
  remote: ReadonlyMap<string, RemoteNode>,
  synced: ReadonlyMap<string, SyncedNode>,
): ((path: string) => boolean) | null {
  if (suspects.size === 0) return null;
  const remotePath = pathResolver(remote);
  const syncedPath = pathResolver(synced);
  const paths = new Set<string>();
  for (const id of suspects) {
    for (const path of [remotePath(id), syncedPath(id)]) if (path) paths.add(path);
  }
  if (paths.size === 0) return null;
  return (path) => {
    if (paths.has(path)) return true;
    for (const p of paths) if (path.startsWith(p + "/")) return true;
    return false;
  };
}
