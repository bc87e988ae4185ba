/**
 * Re-seeding the server from this machine (C6): when the server was
 * restored from an older backup, every node it serves is behind what this
 * machine saw and the agent refuses them as rollbacks. The user decides
 * this machine holds the truth: the agent forgets what it saw of the
 * server, reads its tree afresh, and takes the server's versions as the new
 * base with this disk's content as a change on top. Files the disk holds
 * are then committed over the old ones (identical content is adopted
 * silently), files the server lost are uploaded as new, files this machine
 * deleted since the backup are deleted again. Nothing on this disk is
 * overwritten by the older server. This machine's checkpoint chain goes on
 * from the older checkpoint the restored server holds.
 */
import type { RemoteNode, SyncedNode } from "../tree/nodes.ts";
import type { PassSummary, SyncEngine } from "./sync-engine.ts";

/** A stamp no file has: the planner reads every file again and compares its content with the server's. */
const REREAD = { ino: -1, size: -1, mtimeMs: -1, mode: 0 };

/** What a re-seed did. */
export interface ReseedResult {
  /** Nodes the server still had, taken as the new base. */
  rebased: number;
  /** Synced nodes the server lost (uploaded again as new). */
  lost: number;
  summary: PassSummary & { passes: number };
}

function rebase(remote: RemoteNode, before: SyncedNode | undefined): SyncedNode {
  return {
    nodeId: remote.nodeId,
    parentId: remote.parentId,
    name: remote.name,
    kind: remote.kind === "dir" ? "dir" : "file",
    version: remote.version,
    hash: remote.hash,
    content: remote.content,
    // Keep the inode so a folder is still found where it is; a file is read again.
    stamp: remote.kind === "dir" && before ? before.stamp : { ...REREAD, ino: before?.stamp.ino ?? -1 },
  };
}

/**
 * Re-seeds the server from this machine, then syncs until settled.
 * @param engine The engine of this home (no other agent may run on it).
 * @returns What was rebased and the final pass.
 */
export async function reseedFromThisMachine(engine: SyncEngine): Promise<ReseedResult> {
  await engine.remote.reset();
  await engine.checkpoints.reset();
  await engine.remote.pull(engine.target);
  const remote = engine.remote.nodes;
  const live = (n: RemoteNode) => n.kind !== "deleted";
  const put: SyncedNode[] = [];
  const drop: string[] = [];
  let rebased = 0;
  let lost = 0;
  for (const s of engine.synced.values()) {
    const r = remote.get(s.nodeId);
    if (r && live(r)) {
      put.push(rebase(r, s));
      rebased++;
    } else {
      drop.push(s.nodeId);
      lost++;
    }
  }
  // Live on the server, unknown here: this machine deleted it after the backup, or never had it.
  // As a base, it is deleted remotely when absent here and compared when present.
  for (const r of remote.values()) if (live(r) && !engine.synced.has(r.nodeId)) put.push(rebase(r, undefined));
  for (const id of drop) engine.synced.delete(id);
  for (const node of put) engine.synced.set(node.nodeId, node);
  await engine.syncedStore.write(put, drop);
  engine.clearServerBehind();
  const summary = await engine.syncUntilSettled();
  return { rebased, lost, summary };
}
