/**
 * Chunk routes (S6): `HEAD`/`PUT`/`GET /api/chunks/:id`, the many-ids
 * missing check, and the batch routes for small chunks in the binary
 * framing of lib/server/chunks/frames.ts (`POST /api/chunks/batch` up,
 * `POST /api/chunks/fetch` down). Every lookup is scoped by the caller's
 * vault. The first stored bytes of an id win: a second upload answers
 * `exists` and changes nothing.
 */
import { Hono, type Context } from "hono";
import type { AuthDeps } from "../auth/deps.ts";
import { requireMachineOrUser } from "../auth/middleware.ts";
import { MAX_BATCH_BYTES, MAX_BATCH_CHUNKS, openBatch, uploadBatch } from "../chunks/batch.ts";
import { CHUNKS_CONTENT_TYPE, decodeFrames, FrameError } from "../chunks/frames.ts";
import { receiveBody } from "../chunks/receive.ts";
import { missingChunks, openChunk, presentChunk, putChunk, sha256Hex, type ChunkOwner } from "../chunks/service.ts";
import type { ServerContext } from "../context.ts";
import { HttpError } from "../http/errors.ts";
import { readIdParam, readJson, tooLarge } from "../http/validate.ts";
import type { ServerEnv } from "../principal.ts";
import { digestHeaderSchema, fetchBodySchema, missingBodySchema } from "./chunk-schemas.ts";

function ownerOf(c: Context<ServerEnv>): ChunkOwner {
  const p = c.var.principal;
  return { accountId: p.accountId, vaultId: p.vaultId, machineId: p.kind === "machine" ? p.machineId : null };
}

/** Refuses an announced length over `max` or of zero; returns the announced length (undefined when none), a hint only. */
function declaredLength(c: Context<ServerEnv>, max: number): number | undefined {
  const declared = Number(c.req.header("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > max) throw tooLarge(max);
  if (declared === 0) throw new HttpError(400, "empty_body", "The body is empty");
  return Number.isFinite(declared) ? declared : undefined;
}

/**
 * The chunk routes.
 * @param ctx The server context.
 * @param deps Auth dependencies.
 * @returns A sub-app to mount at `/`.
 */
export function chunkRoutes(ctx: ServerContext, deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const auth = requireMachineOrUser(deps);
  const max = ctx.config.maxChunkBytes;
  const timeoutMs = ctx.config.uploadTimeoutMs;

  app.post("/api/chunks/missing", auth, async (c) => {
    const body = await readJson(c, missingBodySchema, 1024 * 1024);
    return c.json({ missing: await missingChunks(ctx, c.var.principal.vaultId, body.ids) });
  });

  app.post("/api/chunks/batch", auth, async (c) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== CHUNKS_CONTENT_TYPE) throw new HttpError(415, "unsupported_media_type", `Send the chunks as ${CHUNKS_CONTENT_TYPE}`);
    const sizeHint = declaredLength(c, MAX_BATCH_BYTES);
    const body = await receiveBody(c.req.raw.body, { maxBytes: MAX_BATCH_BYTES, timeoutMs, sizeHint });
    let frames;
    try {
      frames = decodeFrames(body, { maxFrames: MAX_BATCH_CHUNKS, maxChunkBytes: max });
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      if (error.overLimit) throw new HttpError(413, "too_large", `Batch over its limits: ${error.message}`, { maxChunks: MAX_BATCH_CHUNKS, maxBytes: MAX_BATCH_BYTES });
      throw new HttpError(400, "invalid_frames", `Malformed batch: ${error.message}`);
    }
    if (frames.some((f) => f.bytes === null || f.bytes.byteLength === 0)) throw new HttpError(400, "empty_body", "A chunk in the batch is empty");
    return c.json({ results: await uploadBatch(ctx, ownerOf(c), frames) });
  });

  app.post("/api/chunks/fetch", auth, async (c) => {
    const body = await readJson(c, fetchBodySchema, 1024 * 1024);
    const batch = await openBatch(ctx, c.var.principal.vaultId, body.ids);
    return c.body(batch.body, 200, { "Content-Type": CHUNKS_CONTENT_TYPE, "Content-Length": String(batch.length), "Cache-Control": "no-store" });
  });


  app.put("/api/chunks/:id", auth, async (c) => {
    const id = readIdParam(c, "id");
    const digest = digestHeaderSchema.safeParse(c.req.header("x-content-sha256")?.toLowerCase());
    if (!digest.success) throw new HttpError(422, "invalid_request", "Invalid X-Content-SHA256: must be 64 hex characters");
    const sizeHint = declaredLength(c, max);
    const bytes = await receiveBody(c.req.raw.body, { maxBytes: max, timeoutMs, sizeHint });
    if (digest.data !== undefined && sha256Hex(bytes) !== digest.data) {
      throw new HttpError(400, "digest_mismatch", "The body does not match X-Content-SHA256: nothing was stored");
    }
    // The digest just checked is passed on, so the bytes are hashed once.
    const info = await putChunk(ctx, ownerOf(c), id, bytes, digest.data);
    return c.json(info, info.exists ? 200 : 201);
  });

  app.get("/api/chunks/:id", auth, async (c) => {
    const id = readIdParam(c, "id");
    // Hono answers HEAD with the GET route (dropping the body): a HEAD checks presence without opening the bytes.
    if (c.req.method === "HEAD") {
      const info = await presentChunk(ctx, c.var.principal.vaultId, id);
      if (!info) throw new HttpError(404, "not_found", "No such chunk");
      return c.body(null, 200, { "Content-Type": "application/octet-stream", "Content-Length": String(info.size), ETag: `"${info.sha256}"`, "Cache-Control": "private, max-age=31536000, immutable" });
    }
    const opened = await openChunk(ctx, c.var.principal.vaultId, id);
    if (!opened) throw new HttpError(404, "not_found", "No such chunk");
    return c.body(opened.body, 200, {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(opened.info.size),
      ETag: `"${opened.info.sha256}"`,
      "Cache-Control": "private, max-age=31536000, immutable",
    });
  });

  return app;
}
