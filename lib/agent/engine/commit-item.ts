/**
 * Turns a decided change into a commit item: the manifest sealed for the
 * node and its next version, the name encrypted under its folder, a fresh
 * operation id (rule 5, S4).
 */
import { sealNodeRecord, toBase64Url, type NodeManifest } from "../../crypto/mod.ts";
import { timeOrderedId } from "../../crypto/node-id.ts";
import type { EpochKeys } from "../../crypto/subkeys.ts";
import type { CommitItem } from "../client/files.ts";
import type { Placement } from "../coordinator/actions.ts";
import type { Content, RemoteNode } from "../tree/nodes.ts";

/** A commit item with what the agent records once it is accepted. */
export interface PreparedCommit {
  item: CommitItem;
  /** The node as it will be once committed. */
  node: RemoteNode;
}

/**
 * A fresh operation id (S4 idempotency): time first, like node ids, so the
 * server's index of operation ids takes a commit's ids on a few pages.
 * @returns 32 hex characters.
 */
export function newOpId(): string {
  return timeOrderedId();
}

/**
 * Seals one commit item.
 * @param keys The current epoch's keys.
 * @param change Node, kind, placement, content, base version and hash, and the writer.
 * @returns The item and the node it makes.
 */
export async function prepareCommit(
  keys: EpochKeys,
  change: { nodeId: string; kind: "file" | "dir" | "deleted"; placement: Placement; content: Content; baseVersion: number; baseHash: string; machineId: string; sendChunks: boolean },
): Promise<PreparedCommit> {
  const file = change.kind === "file";
  const manifest: NodeManifest = {
    kind: change.kind,
    name: change.placement.name,
    parentId: change.placement.parentId,
    size: file ? change.content.size : 0,
    mtimeMs: file ? change.content.mtimeMs : 0,
    mode: change.kind === "deleted" ? 0 : change.content.mode & 0o7777,
    chunks: file ? change.content.chunks : [],
    contentHash: file ? change.content.contentHash : "",
    previous: change.baseHash,
    machineId: change.machineId,
  };
  const version = change.baseVersion + 1;
  const sealed = await sealNodeRecord(keys, { nodeId: change.nodeId, version }, manifest);
  const item: CommitItem = {
    opId: newOpId(),
    nodeId: change.nodeId,
    parentId: sealed.parentId,
    baseVersion: change.baseVersion,
    kind: change.kind === "deleted" ? "delete" : change.kind,
    encName: sealed.encName,
    manifest: toBase64Url(sealed.manifest),
  };
  if (file && change.sendChunks) item.chunks = manifest.chunks.map((c) => c.id);
  const node: RemoteNode = {
    nodeId: change.nodeId,
    parentId: manifest.parentId,
    name: manifest.name,
    kind: change.kind,
    version,
    hash: sealed.hash,
    content: { size: manifest.size, mtimeMs: manifest.mtimeMs, mode: manifest.mode, chunks: manifest.chunks, contentHash: manifest.contentHash },
  };
  return { item, node };
}
