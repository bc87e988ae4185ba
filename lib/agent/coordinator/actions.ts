/**
 * What the planner asks the executor to do. Each action names the node it
 * is for and what must still hold on disk for it to run (a stamp to compare
 * before touching a file), so a change that lands meanwhile is never
 * overwritten (A6, A16).
 */
import type { Content, LocalStamp, RemoteNode, SyncedNode } from "../tree/nodes.ts";

/** Where a node is to be: its folder's node id and its name. */
export interface Placement {
  parentId: string;
  name: string;
}

/** Upload a local file and commit it as a new version (or a new node). */
export interface UploadAction {
  type: "upload";
  nodeId: string;
  /** Local path (relative, POSIX) of the file to read. */
  path: string;
  stamp: LocalStamp;
  /** Where it is to be after the commit. */
  placement: Placement;
  /** 0 for a new node. */
  baseVersion: number;
  /** The manifest hash of the base version ("" for a new node). */
  baseHash: string;
  /**
   * When set, the remote side changed too: after the upload, equal content
   * adopts this version silently; other content becomes a conflict copy (A8).
   */
  compareWith?: RemoteNode;
}

/** Commit a folder creation, or a move/rename of a file or folder whose content is unchanged. */
export interface PlaceAction {
  type: "place";
  nodeId: string;
  kind: "file" | "dir";
  path: string;
  placement: Placement;
  baseVersion: number;
  baseHash: string;
  content: Content;
  stamp: LocalStamp;
}

/** Commit a deletion (the node goes to the server's trash). */
export interface DeleteRemoteAction {
  type: "delete-remote";
  nodeId: string;
  path: string;
  /** The head's placement (a tombstone keeps it). */
  placement: Placement;
  baseVersion: number;
  baseHash: string;
}

/** Write a remote file's content to disk. */
export interface DownloadAction {
  type: "download";
  nodeId: string;
  path: string;
  remote: RemoteNode;
  /** What must be on disk at `path` right before the rename (null: nothing). */
  expectLocal: LocalStamp | null;
}

/** Create a remote folder on disk. */
export interface MkdirAction {
  type: "mkdir";
  nodeId: string;
  path: string;
  remote: RemoteNode;
}

/** Move or rename a local entry where the server now has it. */
export interface MoveLocalAction {
  type: "move-local";
  nodeId: string;
  from: string;
  to: string;
  kind: "file" | "dir";
  /** The synced state after the move (remote placement, synced content). */
  next: SyncedNode;
}

/** Delete a local entry the server deleted. */
export interface DeleteLocalAction {
  type: "delete-local";
  nodeId: string;
  path: string;
  kind: "file" | "dir";
  /** A file is removed only if it still has this stamp. */
  expect: LocalStamp;
  /** The old place of a node that moved on the server: its synced entry stays (the same step settles it at the new place). */
  keepBase?: boolean;
}

/** Move a local entry aside under its conflict-copy name (it is uploaded as a new file later). */
export interface SetAsideAction {
  type: "set-aside";
  path: string;
  kind: "file" | "dir";
  /** Why, for the log and the report. */
  nodeId: string;
}

/** Record a node as synced without transferring anything (identical on both sides). */
export interface AdoptAction {
  type: "adopt";
  node: SyncedNode;
  path: string;
}

/** Forget a synced node (gone on both sides). */
export interface ForgetAction {
  type: "forget";
  nodeId: string;
}

/** One step of a plan. */
export type Action =
  | UploadAction
  | PlaceAction
  | DeleteRemoteAction
  | DownloadAction
  | MkdirAction
  | MoveLocalAction
  | DeleteLocalAction
  | SetAsideAction
  | AdoptAction
  | ForgetAction;

/** A path that cannot sync, and why (a name this platform refuses, a symlink…). */
export interface Unsyncable {
  path: string;
  nodeId?: string;
  reason: string;
}

/** The planner's answer. */
export interface Plan {
  actions: Action[];
  unsyncable: Unsyncable[];
  /**
   * What the planner did not find at rest (a change on either side, a node new on the server, an entry new on
   * this disk), whether it acted on it now or left it for a later pass: a focused pass plans these again.
   */
  unsettled?: { nodes: string[]; paths: string[] };
}
