/**
 * Trash routes (S5): list (paged by an opaque cursor), and restore to the
 * original place or under an alternative name, saying which.
 */
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AuthDeps } from "../auth/deps.ts";
import { requireMachineOrUser } from "../auth/middleware.ts";
import type { ServerContext } from "../context.ts";
import { actorOf } from "../files/actor.ts";
import { listTrash } from "../files/history.ts";
import { restoreFromTrash } from "../files/restore.ts";
import { decodeTrashCursor } from "../files/trash-cursor.ts";
import { HttpError } from "../http/errors.ts";
import { readJson, readQuery } from "../http/validate.ts";
import type { ServerEnv } from "../principal.ts";
import { withCode } from "./files.ts";
import { trashQuerySchema, trashRestoreSchema } from "./schemas.ts";

/**
 * The trash routes.
 * @param ctx The server context.
 * @param deps Auth dependencies.
 * @returns A sub-app to mount at `/`.
 */
export function trashRoutes(ctx: ServerContext, deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const auth = requireMachineOrUser(deps);

  app.get("/api/trash", auth, async (c) => {
    const q = readQuery(c, trashQuerySchema);
    const after = q.cursor === undefined ? undefined : decodeTrashCursor(q.cursor);
    if (after === null) {
      const message = "not a cursor this server gave";
      throw new HttpError(422, "invalid_request", `Invalid query.cursor: ${message}`, { issues: [{ path: "query.cursor", message }] });
    }
    const page = await listTrash(ctx.db, c.var.principal.vaultId, { limit: q.limit, after });
    return c.json({ ...page, retentionDays: ctx.config.trashRetentionDays });
  });

  app.post("/api/trash/restore", auth, async (c) => {
    const body = await readJson(c, trashRestoreSchema);
    const outcome = await restoreFromTrash(ctx, actorOf(c.var.principal, c.var.requestId), body);
    const result = withCode(outcome.result);
    return c.json({ used: outcome.used, result }, result.code as ContentfulStatusCode);
  });

  return app;
}
