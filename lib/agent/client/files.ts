/**
 * The file routes of the server as the agent uses them: commits (many items
 * per request), the change log, the snapshot, version history and the trash
 * (docs/api.md "Files", "Trash"). Thin: shapes in, shapes out.
 */
import { requestJson, type HttpTarget } from "./http.ts";

/** One item of `POST /api/commits`. */
export interface CommitItem {
  opId: string;
  nodeId: string;
  parentId: string;
  baseVersion: number;
  kind: "file" | "dir" | "delete";
  encName: string;
  manifest: string;
  chunks?: string[];
}

/** A head as the server shows it in a refusal. */
export interface ServerHead {
  nodeId: string;
  parentId: string;
  encName: string;
  kind: "file" | "dir" | "delete";
  version: number;
  manifest: string;
  size: number;
  seq: number;
}

/** One item's result. */
export type CommitResult =
  | { status: "ok"; nodeId: string; opId: string; version: number; seq: number; replayed?: boolean }
  | { status: "conflict"; nodeId: string; opId: string; head: ServerHead | null; message: string }
  | { status: "parent_not_live"; nodeId: string; opId: string; parent: { nodeId: string; state: string }; message: string }
  | { status: "name_taken"; nodeId: string; opId: string; existing: ServerHead; message: string }
  | { status: "missing_chunks"; nodeId: string; opId: string; missing: string[]; message: string }
  | { status: "cycle" | "invalid" | "op_id_reused" | "aborted"; nodeId: string; opId: string; message: string };

/** Most items one commit request may carry. */
export const MAX_COMMIT_ITEMS = 1000;

/**
 * Commits items, in order (later items see earlier ones).
 * @param target Server and token.
 * @param items 1–1000 items.
 * @param atomic All or nothing. @default false
 * @returns One result per item.
 */
export async function commitItems(target: HttpTarget, items: CommitItem[], atomic = false): Promise<CommitResult[]> {
  const { data } = await requestJson<{ results: CommitResult[] }>(target, "/api/commits", { json: atomic ? { items, atomic } : { items } });
  if (!Array.isArray(data?.results) || data.results.length !== items.length) {
    throw new Error("The server answered a commit with a result list that does not match the items sent");
  }
  return data.results;
}

/** One change-log entry (the event envelope). */
export interface Change {
  seq: number;
  id: string;
  type: string;
  version: number;
  ts: string;
  stream: string;
  opId: string | null;
  machineId: string | null;
  payload: Record<string, unknown>;
}

/** A page of the change log. */
export interface ChangesPage {
  changes: Change[];
  next: number;
  hasMore: boolean;
}

/**
 * Reads the change log after a cursor.
 * @param target Server and token.
 * @param since Cursor.
 * @param limit Page size (1–5000).
 * @returns The page; a 410 (`cursor_expired`, `cursor_ahead`) throws ServerError with that code.
 */
export async function fetchChanges(target: HttpTarget, since: number, limit = 5000): Promise<ChangesPage> {
  const { data } = await requestJson<ChangesPage>(target, `/api/changes?since=${since}&limit=${limit}`);
  return data;
}

/** A node of the snapshot. */
export interface SnapshotNode {
  nodeId: string;
  parentId: string;
  encName: string;
  kind: "file" | "dir" | "delete";
  version: number;
  manifest: string;
  size: number;
  chunks: string[];
}

/**
 * Reads the whole tree at one cursor, page by page (tombstones included).
 * @param target Server and token.
 * @param onPage Called with each page's nodes, in order.
 * @returns The cursor the snapshot stands at: follow the change log from it.
 */
export async function fetchSnapshot(target: HttpTarget, onPage: (nodes: SnapshotNode[]) => Promise<void> | void): Promise<number> {
  let after = "";
  let cursor: number | undefined;
  for (;;) {
    const query = `after=${after}&limit=5000` + (cursor === undefined ? "" : `&cursor=${cursor}`);
    const { data } = await requestJson<{ cursor: number; items: SnapshotNode[]; nextAfter: string | null; hasMore: boolean }>(
      target,
      `/api/snapshot?${query}`,
    );
    cursor ??= data.cursor;
    await onPage(data.items);
    if (!data.hasMore || !data.nextAfter) return cursor;
    after = data.nextAfter;
  }
}

/** One version of a node's history. */
export interface NodeVersion {
  version: number;
  kind: "file" | "dir" | "delete";
  encName: string;
  parentId: string;
  manifest: string;
  size: number;
  chunks: string[];
}

/**
 * Reads versions of a node, newest first, before a version.
 * @param target Server and token.
 * @param nodeId The node.
 * @param before Only versions below this one.
 * @param limit Page size.
 * @returns Versions, newest first.
 */
export async function fetchVersions(target: HttpTarget, nodeId: string, before?: number, limit = 1000): Promise<NodeVersion[]> {
  const query = `limit=${limit}` + (before === undefined ? "" : `&before=${before}`);
  const { data } = await requestJson<{ versions: NodeVersion[] }>(target, `/api/files/${nodeId}/versions?${query}`);
  return data.versions;
}
