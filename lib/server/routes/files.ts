/**
 * File routes (S1, S4, S7, S8): commits, the change log, the snapshot, the
 * tree, version history and version restore. Machines and logged-in users.
 */
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AuthDeps } from "../auth/deps.ts";
import { requireMachineOrUser } from "../auth/middleware.ts";
import type { ServerContext } from "../context.ts";
import { actorOf } from "../files/actor.ts";
import { readChanges, readSnapshot } from "../files/changes.ts";
import { commitVersions } from "../files/commit.ts";
import { listVersions } from "../files/history.ts";
import type { ItemResult } from "../files/record.ts";
import { restoreVersion } from "../files/restore.ts";
import { listChildren } from "../files/tree.ts";
import { HttpError } from "../http/errors.ts";
import { readIdParam, readJson, readQuery } from "../http/validate.ts";
import type { ServerEnv } from "../principal.ts";
import { changesQuerySchema, commitBodySchema, snapshotQuerySchema, treeQuerySchema, versionRestoreSchema } from "./schemas.ts";

const CODES: Record<ItemResult["status"], number> = { ok: 201, conflict: 409, missing_chunks: 424, invalid: 422 };

/**
 * Adds the HTTP-style `code` of an item result.
 * @param result The item result.
 * @returns The result with `code`.
 */
export function withCode(result: ItemResult): ItemResult & { code: number } {
  return { ...result, code: CODES[result.status] };
}

/**
 * The file routes.
 * @param ctx The server context.
 * @param deps Auth dependencies.
 * @returns A sub-app to mount at `/`.
 */
export function fileRoutes(ctx: ServerContext, deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const auth = requireMachineOrUser(deps);
  const scope = (p: ServerEnv["Variables"]["principal"]): { accountId: string; vaultId: string } => ({
    accountId: p.accountId,
    vaultId: p.vaultId,
  });

  app.post("/api/commits", auth, async (c) => {
    const body = await readJson(c, commitBodySchema);
    const results = await commitVersions(ctx, actorOf(c.var.principal, c.var.requestId), body.items);
    return c.json({ results: results.map(withCode) });
  });

  app.get("/api/changes", auth, async (c) => {
    const q = readQuery(c, changesQuerySchema);
    return c.json(await readChanges(ctx.db, scope(c.var.principal), q.since, q.limit));
  });

  app.get("/api/snapshot", auth, async (c) => {
    const q = readQuery(c, snapshotQuerySchema);
    return c.json(await readSnapshot(ctx.db, scope(c.var.principal), q.after, q.limit));
  });

  app.get("/api/tree", auth, async (c) => {
    const q = readQuery(c, treeQuerySchema);
    const items = await listChildren(ctx.db, c.var.principal.vaultId, { ...q, includeDeleted: q.includeDeleted === "true" });
    return c.json({ items, nextAfter: items.length === q.limit ? (items.at(-1)?.pathId ?? null) : null });
  });

  app.get("/api/files/:pathId/versions", auth, async (c) => {
    const pathId = readIdParam(c, "pathId");
    const versions = await listVersions(ctx.db, c.var.principal.vaultId, pathId);
    if (versions.length === 0) throw new HttpError(404, "not_found", "No such path");
    return c.json({ pathId, versions });
  });

  app.post("/api/files/:pathId/restore", auth, async (c) => {
    const pathId = readIdParam(c, "pathId");
    const body = await readJson(c, versionRestoreSchema);
    const result = withCode(await restoreVersion(ctx, actorOf(c.var.principal, c.var.requestId), { ...body, pathId }));
    return c.json({ result }, result.code as ContentfulStatusCode);
  });

  return app;
}
