/**
 * Bringing a deleted node back from the server's trash (S5), done by a
 * client because only a client can seal the restored version's manifests:
 * one at the original place, one as an alternative (under the root, with a
 * "restored" name) for when the original place is taken or gone.
 */
import { openNodeRecord, sealNodeRecord, toBase64Url, type Keyring, type NodeManifest } from "../../crypto/mod.ts";
import { ROOT_NODE_ID } from "../../crypto/node-id.ts";
import { fetchVersions } from "../client/files.ts";
import type { HttpTarget } from "../client/http.ts";
import { restoreTrash, type TrashEntry } from "../client/trash.ts";
import { newOpId } from "./commit-item.ts";

/**
 * Restores a trash entry.
 * @param target Server and token.
 * @param keyring The vault's keyring.
 * @param entry The entry (from `listTrash`).
 * @param machineId The writer.
 * @returns Where it went and its new version.
 */
export async function restoreTrashEntry(target: HttpTarget, keyring: Keyring, entry: TrashEntry, machineId: string): Promise<{ used: "original" | "alternative"; version: number }> {
  const versions = await fetchVersions(target, entry.nodeId, entry.deletedVersion + 1, 2);
  const tombstone = versions.find((v) => v.version === entry.deletedVersion);
  const live = versions.find((v) => v.version === entry.liveVersion) ?? (await fetchVersions(target, entry.nodeId, entry.liveVersion + 1, 1))[0];
  if (!tombstone || !live) throw new Error(`The server lists no versions for trash entry ${entry.nodeId}`);
  const openedLive = await openNodeRecord(keyring, { nodeId: entry.nodeId, ...live }, null);
  const openedTomb = await openNodeRecord(keyring, { nodeId: entry.nodeId, ...tombstone }, null);
  const version = entry.deletedVersion + 1;
  const base: NodeManifest = { ...openedLive.manifest, previous: openedTomb.hash, machineId };
  const original = await sealNodeRecord(keyring.current, { nodeId: entry.nodeId, version }, { ...base, parentId: openedTomb.parentId, name: openedTomb.name });
  const altName = `${openedTomb.name} (restored)`;
  const alternative = await sealNodeRecord(keyring.current, { nodeId: entry.nodeId, version }, { ...base, parentId: ROOT_NODE_ID, name: altName });
  return restoreTrash(target, {
    opId: newOpId(),
    nodeId: entry.nodeId,
    deletedVersion: entry.deletedVersion,
    chunks: live.chunks,
    original: { manifest: toBase64Url(original.manifest) },
    alternative: { parentId: ROOT_NODE_ID, encName: alternative.encName, manifest: toBase64Url(alternative.manifest) },
  });
}
