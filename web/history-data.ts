/**
 * A file's version history for the pages (W11): every version newest
 * first, across renames and moves, opened in the tab; and a restore,
 * sealed here as a new version on top of the current one: the old
 * version's content (its chunks, size and content hash) under the file's
 * current name and folder, chained to the current version's manifest.
 */
import type { NodeManifest, UnlockedVault } from "../lib/crypto/mod.ts";
import { api, ApiError } from "./api.ts";
import { loadCrypto } from "./vault.ts";
import { chunkIds, fetchVersions, newOpId, openVersions, type OpenedVersion } from "./versions.ts";

/** A page of a file's history. */
export interface HistoryPage {
  versions: OpenedVersion[];
  nextBefore: number | null;
}

/**
 * Lists a page of a file's versions, newest first.
 * @param vault The unlocked vault, or null while locked.
 * @param nodeId The file.
 * @param before The previous page's `nextBefore` (omit for the newest).
 * @returns The page.
 */
export async function listHistory(vault: UnlockedVault | null, nodeId: string, before?: number): Promise<HistoryPage> {
  const page = await fetchVersions(nodeId, before, 50);
  return { versions: await openVersions(vault, nodeId, page.versions), nextBefore: page.nextBefore };
}

/** A restore the server refused, said for a person. */
export class VersionRestoreRefused extends Error {
  override name = "VersionRestoreRefused";
  /**
   * @param message What happened.
   * @param changed True when the file changed meanwhile (the list should be read again).
   */
  constructor(
    message: string,
    readonly changed: boolean,
  ) {
    super(message);
  }
}

/**
 * Restores an older version as the file's new current version.
 * @param vault The unlocked vault.
 * @param target The version to bring back (opened).
 * @param head The current version (opened): the new one is built on it.
 * @returns The new version's number.
 * @throws VersionRestoreRefused when the file changed meanwhile, or is inside a deleted folder.
 */
export async function restoreVersion(vault: UnlockedVault, target: OpenedVersion, head: OpenedVersion): Promise<number> {
  const { sealNodeRecord, toBase64Url } = await loadCrypto();
  const old = target.opened;
  const current = head.opened;
  if (!old || !current || old.manifest.kind !== "file" || current.manifest.kind !== "file") throw new VersionRestoreRefused("Only a verified version of a file can be restored", false);
  const version = current.version + 1;
  const manifest: NodeManifest = { ...old.manifest, name: current.name, parentId: current.parentId, previous: current.hash, machineId: "", mtimeMs: Date.now() };
  const sealed = await sealNodeRecord(vault.keyring.current, { nodeId: current.nodeId, version }, manifest);
  try {
    await api(`/api/files/${current.nodeId}/restore`, {
      method: "POST",
      body: { opId: newOpId(), version: old.version, baseVersion: current.version, manifest: toBase64Url(sealed.manifest), chunks: chunkIds(old.manifest) },
    });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const status = (error.body as { result?: { status?: string } } | undefined)?.result?.status;
    if (status === "conflict") throw new VersionRestoreRefused("The file changed meanwhile (on a machine): nothing was restored. The history is shown again; choose the version again.", true);
    if (status === "parent_not_live") throw new VersionRestoreRefused("The file is inside a deleted folder: restore the folder from the trash first.", true);
    if (error.status === 422 && error.body && JSON.stringify(error.body).includes("deleted")) throw new VersionRestoreRefused("The file was deleted meanwhile: restore it from the trash.", true);
    throw error;
  }
  return version;
}
