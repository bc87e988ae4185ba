/**
 * The trash routes (docs/api.md "Trash", S5): list what was deleted and
 * bring a node back.
 */
import { requestJson, type HttpTarget } from "./http.ts";

/** One trash entry. */
export interface TrashEntry {
  nodeId: string;
  deletedVersion: number;
  liveVersion: number;
  parentId: string;
  encName: string;
  kind: "file" | "dir";
  size: number;
  deletedAt: string;
  restoresTo: "original" | "alternative";
}

/**
 * Lists the trash, every page.
 * @param target Server and token.
 * @returns Every entry, most recent first.
 */
export async function listTrash(target: HttpTarget): Promise<TrashEntry[]> {
  const out: TrashEntry[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
    const { data } = await requestJson<{ items: TrashEntry[]; nextCursor: string | null }>(target, `/api/trash${query}`);
    out.push(...data.items);
    cursor = data.nextCursor;
  } while (cursor);
  return out;
}

/** The body of `POST /api/trash/restore`. */
export interface TrashRestoreRequest {
  opId: string;
  nodeId: string;
  deletedVersion: number;
  chunks: string[];
  original: { manifest: string };
  alternative: { parentId?: string; encName: string; manifest: string };
}

/**
 * Restores a node from the trash.
 * @param target Server and token.
 * @param request Both manifests (the server picks the place).
 * @returns Which place was used and the version recorded.
 */
export async function restoreTrash(target: HttpTarget, request: TrashRestoreRequest): Promise<{ used: "original" | "alternative"; version: number }> {
  const { data } = await requestJson<{ used: "original" | "alternative"; result: { version: number } }>(target, "/api/trash/restore", { json: request });
  return { used: data.used, version: data.result.version };
}
