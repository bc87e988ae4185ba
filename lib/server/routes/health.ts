/**
 * `GET /api/health`: liveness and readiness, no authentication. Answers 503
 * when the database cannot be queried.
 */
import { Hono } from "hono";
import { VERSION } from "../../version.ts";
import type { ServerContext } from "../context.ts";
import type { ServerEnv } from "../principal.ts";

/**
 * The health route.
 * @param ctx The server context.
 * @returns A sub-app to mount under `/api`.
 */
export function healthRoutes(ctx: ServerContext): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  app.get("/health", async (c) => {
    try {
      await ctx.db.execute("SELECT 1");
      return c.json({ ok: true, version: VERSION, storage: ctx.store.kind });
    } catch {
      return c.json({ ok: false, version: VERSION, error: "database unavailable" }, 503);
    }
  });
  return app;
}
