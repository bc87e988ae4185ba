/**
 * Building v2 commit items in tests: node ids, operation ids, base64url
 * blobs standing in for encrypted names and manifests, and items that
 * create, update, move or delete a node.
 */
import { ROOT_NODE_ID } from "../../../lib/events/schemas/common.ts";
import type { CommitItem } from "../../../lib/server/files/version-input.ts";

export { ROOT_NODE_ID };

function hex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A random node id (32 hex). */
export function nodeId(): string {
  return hex(16);
}

/** A random operation id. */
export function opId(): string {
  return `op_${hex(12)}`;
}

/** Random base64url standing in for an encrypted name or manifest. */
export function encBlob(bytes = 48): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url");
}

/**
 * An item creating or updating a file or folder.
 * @param id The node.
 * @param parentId Its folder.
 * @param baseVersion The head it builds on (0 to create).
 * @param chunks Its chunk ids.
 * @param kind File or folder.
 * @returns The item, with a fresh opId, name and manifest.
 */
export function nodeItem(id: string, parentId: string, baseVersion: number, chunks: string[] = [], kind: "file" | "dir" = "file"): CommitItem {
  return { opId: opId(), nodeId: id, parentId, baseVersion, kind, encName: encBlob(), manifest: encBlob(), chunks };
}

/**
 * An item deleting a node.
 * @param id The node.
 * @param baseVersion Its head.
 * @returns The item.
 */
export function deleteItem(id: string, baseVersion: number): CommitItem {
  return { opId: opId(), nodeId: id, baseVersion, kind: "delete", manifest: encBlob(), chunks: [] };
}
