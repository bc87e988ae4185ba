/** What a client sends for one node version, and what it gets back. */
import type { Head } from "./heads.ts";

/** One commit item: create, update, move/rename or delete a node. */
export interface CommitItem {
  /** The client's operation id: a retry of it answers the first result. */
  opId: string;
  nodeId: string;
  /** The folder it lives in (after the item); a deletion keeps the node's. */
  parentId?: string;
  /** The head version the client built on; 0 for a new node. */
  baseVersion: number;
  kind: "file" | "dir" | "delete";
  /** Encrypted name (after the item); a deletion keeps the node's. */
  encName?: string;
  manifest: string;
  /** Chunk ids in file order; omitted on a file that exists: its head's chunks stay (a move or rename). */
  chunks?: string[] | undefined;
}

/** Why a parent cannot take a child. */
export type ParentState = "missing" | "deleted" | "not_folder" | "inside_deleted";

/** The outcome of one item. */
export type ItemResult =
  | { nodeId: string; opId: string; status: "ok"; version: number; seq: number; replayed?: boolean }
  | { nodeId: string; opId: string; status: "conflict"; message: string; head: Head | null }
  | { nodeId: string; opId: string; status: "parent_not_live"; message: string; parent: { nodeId: string; state: ParentState; head: Head | null } }
  | { nodeId: string; opId: string; status: "cycle"; message: string }
  | { nodeId: string; opId: string; status: "name_taken"; message: string; existing: Head }
  | { nodeId: string; opId: string; status: "missing_chunks"; message: string; missing: string[] }
  | { nodeId: string; opId: string; status: "invalid"; message: string }
  | { nodeId: string; opId: string; status: "op_id_reused"; message: string }
  | { nodeId: string; opId: string; status: "aborted"; message: string };

/** A result's status. */
export type ItemStatus = ItemResult["status"];
