/**
 * A node's head, opened in this tab: its name and manifest from its newest
 * version (`GET /api/files/:nodeId/versions`), checked like a folder
 * listing's entries. Names are cached for the tab and forgotten on lock.
 */
import type { OpenedNode } from "../lib/crypto/mod.ts";
import { api } from "./api.ts";
import { loadCrypto, vaultState } from "./vault.ts";

/** A version as the versions route lists it. */
export interface NodeVersion {
  version: number;
  kind: "file" | "dir" | "delete";
  parentId: string;
  encName: string;
  manifest: string;
  size: number;
  chunks: string[];
  machineId: string | null;
  createdAt: number;
}

const names = new Map<string, Promise<string | null>>();
vaultState.subscribe((s) => s.state !== "unlocked" && names.clear());

/**
 * Opens a version of a node with the tab's keys.
 * @param nodeId The node.
 * @param v The version as listed.
 * @returns The opened record.
 * @throws Error when locked, or when the record does not verify.
 */
export async function openVersion(nodeId: string, v: NodeVersion): Promise<OpenedNode> {
  const state = vaultState.get();
  if (state.state !== "unlocked") throw new Error("The vault is locked");
  const { openNodeRecord } = await loadCrypto();
  return openNodeRecord(state.vault.keyring, { nodeId, parentId: v.parentId, encName: v.encName, version: v.version, manifest: v.manifest }, null);
}

/**
 * A node's newest version as the server lists it.
 * @param nodeId The node.
 * @returns The version, or null for a node without one.
 */
export async function headVersion(nodeId: string): Promise<NodeVersion | null> {
  const { versions } = await api<{ versions: NodeVersion[] }>(`/api/files/${nodeId}/versions?limit=1`);
  return versions[0] ?? null;
}

/**
 * A node's current name, decrypted in the tab.
 * @param nodeId The node.
 * @returns The name, or null while locked or when it cannot be read.
 */
export function nodeName(nodeId: string): Promise<string | null> {
  if (vaultState.get().state !== "unlocked") return Promise.resolve(null);
  let name = names.get(nodeId);
  if (!name) {
    name = headVersion(nodeId)
      .then(async (v) => (v ? (await openVersion(nodeId, v)).name : null))
      .catch(() => null);
    names.set(nodeId, name);
  }
  return name;
}
