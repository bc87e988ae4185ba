/**
 * Chunk routes (S6): `HEAD`/`PUT`/`GET /api/chunks/:id`, the many-ids
 * missing check, and a batch upload for small chunks. Bodies stream to and
 * from the store; a body over `maxChunkBytes` is 413.
 */
import { Hono } from "hono";
import { Buffer } from "node:buffer";
import type { AuthDeps } from "../auth/deps.ts";
import { requireMachineOrUser } from "../auth/middleware.ts";
import { missingChunks, openChunk, presentChunk, putChunk } from "../chunks/service.ts";
import type { ServerContext } from "../context.ts";
import { HttpError } from "../http/errors.ts";
import { readIdParam, readJson, tooLarge } from "../http/validate.ts";
import type { ServerEnv } from "../principal.ts";
import { batchUploadSchema, missingBodySchema } from "./schemas.ts";

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
  const owner = (p: ServerEnv["Variables"]["principal"]): { accountId: string; machineId: string | null } => ({
    accountId: p.accountId,
    machineId: p.kind === "machine" ? p.machineId : null,
  });

  app.post("/api/chunks/missing", auth, async (c) => {
    const body = await readJson(c, missingBodySchema, 1024 * 1024);
    return c.json({ missing: await missingChunks(ctx, c.var.principal.accountId, body.ids) });
  });

  // A batch of small chunks as base64 JSON: at most one maximum chunk's worth per request.
  app.post("/api/chunks/batch", auth, async (c) => {
    const body = await readJson(c, batchUploadSchema, Math.ceil((max * 4) / 3) + 64 * 1024);
    const stored = [];
    for (const chunk of body.chunks) {
      stored.push(await putChunk(ctx, owner(c.var.principal), chunk.id, Buffer.from(chunk.data, "base64")));
    }
    return c.json({ stored }, 201);
  });

  app.on("HEAD", "/api/chunks/:id", auth, async (c) => {
    const id = readIdParam(c, "id");
    const info = await presentChunk(ctx, c.var.principal.accountId, id);
    if (!info) return c.body(null, 404);
    return c.body(null, 200, { "Content-Length": String(info.size), ETag: `"${info.sha256}"` });
  });

  app.put("/api/chunks/:id", auth, async (c) => {
    const id = readIdParam(c, "id");
    const declared = Number(c.req.header("content-length") ?? "NaN");
    if (Number.isFinite(declared) && declared > max) throw tooLarge(max);
    const body = c.req.raw.body;
    if (!body || declared === 0) throw new HttpError(400, "empty_body", "The chunk body is empty");
    const info = await putChunk(ctx, owner(c.var.principal), id, body);
    return c.json(info, 201);
  });

  app.get("/api/chunks/:id", auth, async (c) => {
    const id = readIdParam(c, "id");
    const opened = await openChunk(ctx, c.var.principal.accountId, id);
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
