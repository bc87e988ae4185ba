/**
 * A node's versions as the server lists them (`GET /api/files/:nodeId/versions`),
 * opened in the tab: each name and manifest decrypted and cross-checked
 * (`openNodeRecord`), and each version's `previous` compared with the hash
 * of the version before it, so a history the server altered shows as not
 * verifying. The writer of each version is the manifest's `machineId`
 * (authenticated), not the server's column.
 */
import type { NodeManifest, OpenedNode, UnlockedVault } from "../lib/crypto/mod.ts";
import { api } from "./api.ts";
import { loadCrypto } from "./vault.ts";

/** A version as the server lists it. */
export interface VersionItem {
  version: number;
  kind: "file" | "dir" | "delete";
  encName: string;
  parentId: string;
  manifest: string;
  size: number;
  chunks: string[];
  machineId: string | null;
  createdAt: number;
}

/** A version, opened when the vault is unlocked. */
export interface OpenedVersion {
  item: VersionItem;
  /** The decrypted record; null while locked or when it does not verify. */
  opened: OpenedNode | null;
  /** True when the record, or its link to the version before, failed to verify. */
  damaged: boolean;
}

/**
 * One page of a node's versions, newest first.
 * @param nodeId The node.
 * @param before List versions below this one (omit for the newest).
 * @param limit How many (1–1000).
 * @returns The versions and where the next page starts (null at the end).
 */
export async function fetchVersions(nodeId: string, before?: number, limit = 100): Promise<{ versions: VersionItem[]; nextBefore: number | null }> {
  const query = `limit=${limit}${before === undefined ? "" : `&before=${before}`}`;
  return api<{ versions: VersionItem[]; nextBefore: number | null }>(`/api/files/${nodeId}/versions?${query}`);
}

/**
 * Opens versions of one node (newest first), checking each link of the chain the page holds.
 * @param vault The unlocked vault, or null while locked (nothing is opened).
 * @param nodeId The node.
 * @param items The versions, newest first.
 * @returns The versions, opened.
 */
export async function openVersions(vault: UnlockedVault | null, nodeId: string, items: VersionItem[]): Promise<OpenedVersion[]> {
  if (!vault) return items.map((item) => ({ item, opened: null, damaged: false }));
  const { openNodeRecord } = await loadCrypto();
  const opened = await Promise.all(
    items.map(async (item) => {
      try {
        return await openNodeRecord(vault.keyring, { nodeId, parentId: item.parentId, encName: item.encName, version: item.version, manifest: item.manifest }, null);
      } catch {
        return null;
      }
    }),
  );
  return items.map((item, i) => {
    const node = opened[i] ?? null;
    const older = opened[i + 1];
    const broken = node !== null && older !== undefined && older !== null && older.version === node.version - 1 && node.previous !== older.hash;
    return { item, opened: broken ? null : node, damaged: node === null || broken };
  });
}

/**
 * The chunk ids a manifest names, in order (what a restore must send).
 * @param manifest The authenticated manifest.
 * @returns The ids.
 */
export function chunkIds(manifest: NodeManifest): string[] {
  return manifest.chunks.map((c) => c.id);
}

/**
 * A random operation id (32 hex) for a restore, so a retry is recognised.
 * @returns The id.
 */
export function newOpId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
