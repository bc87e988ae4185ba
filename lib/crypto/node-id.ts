import { randomBytes, toHex } from "./bytes.ts";

/**
 * Node ids (DESIGN §2 rule 5): every file and folder is a node with a random
 * 128-bit id fixed at creation, so a rename or a move changes one record and
 * the server sees no value derived from a name or a path.
 */

/** The vault root's reserved id: 32 zeros. The root is its own parent. */
export const ROOT_NODE_ID = "0".repeat(32);

const NODE_ID = /^[0-9a-f]{32}$/;

/**
 * Makes a new node id: 16 random bytes as 32 lowercase hex characters. Never
 * the root's id (a 2^-128 event, refused anyway).
 * @returns A fresh node id.
 */
export function newNodeId(): string {
  for (;;) {
    const id = toHex(randomBytes(16));
    if (id !== ROOT_NODE_ID) return id;
  }
}

/**
 * Whether a value is a well-formed node id (32 lowercase hex; the root's included).
 * @param id The value.
 * @returns Whether it is one.
 */
export function isNodeId(id: unknown): id is string {
  return typeof id === "string" && NODE_ID.test(id);
}

/**
 * Checks where a node claims to sit: a well-formed id that is not the root,
 * under a well-formed parent that is not itself. The root has no record, no
 * name and no manifest; top-level nodes have `ROOT_NODE_ID` as parent.
 * @param nodeId The node.
 * @param parentId Its parent.
 * @returns Whether the pair is acceptable.
 */
export function isValidPlacement(nodeId: string, parentId: string): boolean {
  return isNodeId(nodeId) && isNodeId(parentId) && nodeId !== ROOT_NODE_ID && nodeId !== parentId;
}
