/**
 * The chunk endpoints of the server API (docs/api.md "Chunks"): which ids
 * the vault lacks, storing one chunk (`PUT`) or many (`POST /api/chunks/batch`),
 * and fetching many as a stream of frames (`POST /api/chunks/fetch`).
 * Only ids and ciphertext travel: no name or path.
 */
import { createHash } from "node:crypto";
import { CHUNKS_CONTENT_TYPE, encodeFrames, readFrames, type IncomingFrame, type OutgoingFrame, type ReadFramesOptions } from "./frames.ts";
import { NetworkError, request, requestJson, ServerError, type HttpTarget } from "./http.ts";

/** Most ids in one `POST /api/chunks/missing`. */
export const MAX_MISSING_IDS = 10_000;
/** Most chunks in one batch upload or fetch. */
export const MAX_BATCH_CHUNKS = 4096;
/** Most bytes of one fetch answer (the server's bound). */
export const MAX_FETCH_BYTES = 32 * 1024 * 1024;
/** Largest stored chunk the server accepts by default: 16 MiB + 64 KiB. */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024 + 64 * 1024;

/** What the server did with one chunk of a batch. */
export type BatchStatus = "stored" | "exists" | "digest_mismatch" | "busy";

const ID = /^[0-9a-f]{64}$/;

function checkIds(ids: readonly string[]): void {
  for (const id of ids) if (!ID.test(id)) throw new RangeError("A chunk id is 64 lowercase hex characters");
}

/**
 * Asks which of `ids` the vault does not hold, in requests of at most
 * {@link MAX_MISSING_IDS} ids.
 * @param target Server and token.
 * @param ids Chunk ids (repeats allowed).
 * @param signal Cancels the requests.
 * @returns The ids the server lacks.
 * @throws ServerError, NetworkError; RangeError for a malformed id.
 */
export async function findMissingChunks(target: HttpTarget, ids: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
  checkIds(ids);
  const missing = new Set<string>();
  for (let at = 0; at < ids.length; at += MAX_MISSING_IDS) {
    const part = ids.slice(at, at + MAX_MISSING_IDS);
    const { data } = await requestJson<{ missing?: unknown }>(target, "/api/chunks/missing", { json: { ids: part }, signal });
    if (!data || !Array.isArray(data.missing)) throw new NetworkError("The server's answer to a missing-chunks query has no list");
    const asked = new Set(part);
    for (const id of data.missing) {
      if (typeof id !== "string" || !asked.has(id)) throw new NetworkError("The server's answer to a missing-chunks query names a chunk not asked for");
      missing.add(id);
    }
  }
  return missing;
}

/**
 * Stores one chunk with `PUT /api/chunks/:id`, its SHA-256 in `X-Content-SHA256`.
 * @param target Server and token.
 * @param id Chunk id.
 * @param data Encrypted bytes.
 * @param signal Cancels the request.
 * @returns Whether the vault already held the id.
 * @throws ServerError (503 `chunk_busy`: try again), NetworkError.
 */
export async function putChunk(target: HttpTarget, id: string, data: Uint8Array, signal?: AbortSignal): Promise<{ exists: boolean }> {
  checkIds([id]);
  const sha = createHash("sha256").update(data).digest("hex");
  const { data: body } = await requestJson<{ exists?: unknown }>(target, `/api/chunks/${id}`, {
    method: "PUT",
    body: data,
    headers: { "content-type": "application/octet-stream", "x-content-sha256": sha },
    signal,
  });
  return { exists: body?.exists === true };
}

/**
 * Stores many chunks in one `POST /api/chunks/batch`.
 * @param target Server and token.
 * @param chunks At most {@link MAX_BATCH_CHUNKS} chunks, 32 MiB in all.
 * @param signal Cancels the request.
 * @returns Each distinct id's status.
 * @throws ServerError, NetworkError (also when an id is left out of the answer).
 */
export async function uploadChunkBatch(target: HttpTarget, chunks: readonly OutgoingFrame[], signal?: AbortSignal): Promise<Map<string, BatchStatus>> {
  if (chunks.length === 0) return new Map();
  if (chunks.length > MAX_BATCH_CHUNKS) throw new RangeError(`A batch holds at most ${MAX_BATCH_CHUNKS} chunks`);
  checkIds(chunks.map((c) => c.id));
  const { data } = await requestJson<{ results?: unknown }>(target, "/api/chunks/batch", {
    method: "POST",
    body: encodeFrames(chunks),
    headers: { "content-type": CHUNKS_CONTENT_TYPE },
    signal,
  });
  const results = new Map<string, BatchStatus>();
  if (data && Array.isArray(data.results)) {
    for (const r of data.results as { id?: unknown; status?: unknown }[]) {
      if (typeof r.id === "string" && (r.status === "stored" || r.status === "exists" || r.status === "digest_mismatch" || r.status === "busy")) {
        results.set(r.id, r.status);
      }
    }
  }
  for (const c of chunks) {
    if (!results.has(c.id)) throw new NetworkError("The server's answer to a chunk batch leaves a chunk out");
  }
  return results;
}

/**
 * Fetches many chunks with `POST /api/chunks/fetch` and reads the answer as
 * it arrives, each frame checked (an id asked for, once; its length; its
 * SHA-256; an id left out of the answer comes last, as a failed frame).
 * @param target Server and token.
 * @param ids Distinct chunk ids, at most {@link MAX_BATCH_CHUNKS}, whose stored sizes add up to at most 32 MiB.
 * @param options `maxChunkBytes` (largest frame accepted), `signal`, and `reserve` (awaited with each frame's length
 *   before its bytes are read, which holds the rest of the answer back) and `allocate` (the buffer a frame is read into).
 * @returns One frame per id, in the answer's order; `bytes: null` for a chunk the vault does not hold, with `error`
 *   (an IntegrityError) for one altered on the server or left out of its answer.
 * @throws ServerError (413: ask for fewer), NetworkError for an unreachable server or a truncated or oversized answer.
 */
export async function* fetchChunks(
  target: HttpTarget,
  ids: readonly string[],
  options: { maxChunkBytes?: number; signal?: AbortSignal } & Pick<ReadFramesOptions, "reserve" | "allocate"> = {},
): AsyncGenerator<IncomingFrame, void, undefined> {
  if (ids.length === 0) return;
  if (ids.length > MAX_BATCH_CHUNKS) throw new RangeError(`A fetch asks for at most ${MAX_BATCH_CHUNKS} chunks`);
  if (new Set(ids).size !== ids.length) throw new RangeError("A fetch asks for distinct ids");
  checkIds(ids);
  const res = await request(target, "/api/chunks/fetch", { json: { ids }, signal: options.signal });
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith(CHUNKS_CONTENT_TYPE) || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new NetworkError(`The server answered a chunk fetch with ${type || "no body"}`);
  }
  yield* readFrames(res.body, {
    ids,
    maxChunkBytes: options.maxChunkBytes ?? MAX_CHUNK_BYTES,
    what: "a chunk fetch",
    ...(options.reserve ? { reserve: options.reserve } : {}),
    ...(options.allocate ? { allocate: options.allocate } : {}),
  });
}

/**
 * Whether an error is the server saying "busy, upload this chunk again".
 * @param error Anything thrown.
 * @returns True for 503 `chunk_busy`.
 */
export function isChunkBusy(error: unknown): error is ServerError {
  return error instanceof ServerError && error.status === 503;
}
