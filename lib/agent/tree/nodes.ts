/**
 * The three trees of the agent (DESIGN.md §3): what the server says
 * (remote), what the disk holds (local) and the base both agreed on last
 * (synced). Plain data: the stores persist them, the planner compares them.
 */
import type { ManifestChunk } from "../../crypto/manifest.ts";

/** A file's content as a manifest describes it. */
export interface Content {
  size: number;
  mtimeMs: number;
  mode: number;
  chunks: ManifestChunk[];
  contentHash: string;
}

/** A node of the remote tree: its newest version as the server served it, opened and verified. */
export interface RemoteNode {
  nodeId: string;
  parentId: string;
  name: string;
  kind: "file" | "dir" | "deleted";
  version: number;
  /** SHA-256 of the encrypted manifest (history chain, rollback and fork detection). */
  hash: string;
  content: Content;
}

/** What the disk showed for a synced node when it was last synced. */
export interface LocalStamp {
  ino: number;
  size: number;
  mtimeMs: number;
  mode: number;
}

/** A node of the synced tree: the version both sides agreed on, and the disk's stamp of it then. */
export interface SyncedNode {
  nodeId: string;
  parentId: string;
  name: string;
  kind: "file" | "dir";
  version: number;
  /** Hash of that version's encrypted manifest (the next commit's `previous`). */
  hash: string;
  content: Content;
  stamp: LocalStamp;
}

/** One entry the scanner found on disk (relative POSIX path, NFC). */
export interface LocalEntry {
  path: string;
  kind: "file" | "dir";
  stamp: LocalStamp;
}

/** The root folder's node id. */
export { ROOT_NODE_ID } from "../../crypto/node-id.ts";

/** A folder's content: nothing. */
export const NO_CONTENT: Content = Object.freeze({ size: 0, mtimeMs: 0, mode: 0, chunks: [], contentHash: "" });
