/**
 * Uploading one chunk and committing a new file with it over real HTTP, and
 * finding that commit in a `/ws/changes` push: shared by the tests that
 * check what one server process sees of another's commits.
 */
import { expect } from "vitest";
import type { TestServer } from "../../helpers/server.ts";
import type { TestSocket } from "../ws/client.ts";
import { hexId } from "./context.ts";
import { nodeItem, ROOT_NODE_ID } from "./nodes.ts";

/** What `commitNewFile` sent and got back. */
export interface CommittedFile {
  chunkId: string;
  bytes: Uint8Array;
  /** SHA-256 of the stored chunk, as the upload reported it. */
  sha256: string;
  item: { opId: string; nodeId: string; parentId: string; baseVersion: number; kind: string; encName: string; manifest: string; chunks: string[] };
  result: { status: string; version: number; seq: number };
}

/** A change-log event as pushed over `/ws/changes`. */
export type PushedEvent = { seq: number; type: string; opId?: string | null; machineId?: string | null; payload: { nodeId?: string } };

/**
 * Uploads `size` random bytes as a chunk through `server`, then commits a new file made of it.
 * @param server The server to go through (with its registered machine).
 * @param size Chunk length.
 * @returns The chunk, the committed item and its result.
 */
export async function commitNewFile(server: TestServer, size: number): Promise<CommittedFile> {
  const bytes = crypto.getRandomValues(new Uint8Array(size));
  const chunkId = hexId();
  const put = await server.machineFetch(`/api/chunks/${chunkId}`, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: bytes,
  });
  expect(put.status).toBe(201);
  const { sha256 } = (await put.json()) as { sha256: string };
  const item = nodeItem(hexId().slice(0, 32), ROOT_NODE_ID, 0, [chunkId]) as CommittedFile["item"];
  const commit = await server.machineFetch("/api/commits", { method: "POST", body: JSON.stringify({ items: [item] }) });
  expect(commit.status).toBe(200);
  const { results } = (await commit.json()) as { results: CommittedFile["result"][] };
  expect(results).toMatchObject([{ nodeId: item.nodeId, status: "ok", code: 201, version: 1 }]);
  return { chunkId, bytes, sha256, item, result: results[0] as CommittedFile["result"] };
}

/**
 * Waits for the push that carries the commit of `nodeId`.
 * @param socket A `/ws/changes` subscriber.
 * @param nodeId The committed node.
 * @returns The push message and the event in it.
 */
export async function pushedCommit(socket: TestSocket, nodeId: string): Promise<{ message: Record<string, unknown>; event: PushedEvent }> {
  const isOurs = (e: PushedEvent): boolean => e.type === "FileVersionCommitted" && e.payload.nodeId === nodeId;
  const message = await socket.waitFor((m) => m.type === "changes" && (m.events as PushedEvent[]).some(isOurs), 3000);
  return { message, event: (message.events as PushedEvent[]).find(isOurs) as PushedEvent };
}
