/**
 * HTTP routes over what agents reported (A14, W8, W10): `GET /api/conflicts`,
 * `POST /api/conflicts/:id/resolve`, `GET /api/activity`. Paged newest
 * first; every query is scoped by the caller's vault.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AuthDeps } from "../auth/deps.ts";
import { requireMachineOrUser } from "../auth/middleware.ts";
import type { ServerContext } from "../context.ts";
import { HttpError } from "../http/errors.ts";
import { readQuery } from "../http/validate.ts";
import type { ServerEnv } from "../principal.ts";
import { listActivity, listConflicts, resolveConflict } from "./report-history.ts";

const limit = z.coerce.number().int().min(1).max(500).default(100);
const before = z.coerce.number().int().min(1).optional();
const conflictsQuery = z.object({ state: z.enum(["open", "resolved", "all"]).default("open"), limit, before }).strict();
const activityQuery = z
  .object({ limit, before, machineId: z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lowercase hex characters").optional() })
  .strict();

/**
 * The report history routes.
 * @param ctx The server context.
 * @param deps Auth dependencies.
 * @returns A sub-app to mount at `/`.
 */
export function reportRoutes(ctx: ServerContext, deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const auth = requireMachineOrUser(deps);

  app.get("/api/conflicts", auth, async (c) => {
    const q = readQuery(c, conflictsQuery);
    const conflicts = await listConflicts(ctx.db, c.var.principal.vaultId, q);
    const last = conflicts[conflicts.length - 1];
    return c.json({ conflicts, next: conflicts.length === q.limit && last ? { before: last.id } : null });
  });

  app.post("/api/conflicts/:id/resolve", auth, async (c) => {
    const id = Number(c.req.param("id"));
    if (!Number.isSafeInteger(id) || id < 1) throw new HttpError(422, "invalid_request", "Invalid id: must be a positive integer");
    if (!(await resolveConflict(ctx.db, c.var.principal.vaultId, id, deps.now()))) throw new HttpError(404, "not_found", "No such open conflict");
    return c.json({ id, state: "resolved" });
  });

  app.get("/api/activity", auth, async (c) => {
    const q = readQuery(c, activityQuery);
    const activity = await listActivity(ctx.db, c.var.principal.vaultId, q);
    const last = activity[activity.length - 1];
    return c.json({ activity, next: activity.length === q.limit && last ? { before: last.seq } : null });
  });

  return app;
}
