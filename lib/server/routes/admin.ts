/**
 * Admin routes (S5, E4, E6): purge the trash now, command metrics, dead
 * letters, projection rebuild. Admin browser sessions only; machine tokens
 * are refused (403) by `requireAdmin`.
 */
import { Hono } from "hono";
import { listDeadLetters } from "../../events/dead-letter.ts";
import type { AuthDeps } from "../auth/deps.ts";
import { requireAdmin } from "../auth/middleware.ts";
import type { ServerContext } from "../context.ts";
import { actorOf } from "../files/actor.ts";
import { purgeTrash } from "../files/purge.ts";
import { rebuildProjections } from "../files/rebuild.ts";
import { readJson } from "../http/validate.ts";
import type { ServerEnv } from "../principal.ts";
import { purgeBodySchema } from "./schemas.ts";

/**
 * The admin routes.
 * @param ctx The server context.
 * @param deps Auth dependencies.
 * @returns A sub-app to mount at `/`.
 */
export function adminRoutes(ctx: ServerContext, deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const admin = requireAdmin(deps);
  const destructive = requireAdmin(deps, { reauth: true });

  app.post("/api/admin/purge-trash", destructive, async (c) => {
    const body = await readJson(c, purgeBodySchema, 4096);
    const result = await purgeTrash(ctx, {
      olderThanDays: body.olderThanDays ?? ctx.config.trashRetentionDays,
      reason: "admin",
      accountId: c.var.principal.accountId,
      meta: actorOf(c.var.principal, c.var.requestId).meta,
    });
    return c.json(result);
  });

  app.post("/api/admin/rebuild-projections", destructive, async (c) => c.json(await rebuildProjections(ctx)));

  app.get("/api/admin/metrics", admin, async (c) => {
    const head = await ctx.db.execute("SELECT COALESCE(MAX(seq), 0) AS seq, COUNT(*) AS n FROM events");
    const dead = await ctx.db.execute("SELECT COUNT(*) AS n FROM dead_letters");
    return c.json({
      ...ctx.metrics.snapshot(),
      events: { headSeq: Number(head.rows[0]?.seq), count: Number(head.rows[0]?.n) },
      deadLetters: Number(dead.rows[0]?.n),
    });
  });

  app.get("/api/admin/dead-letters", admin, async (c) => c.json({ items: await listDeadLetters(ctx.db) }));

  return app;
}
