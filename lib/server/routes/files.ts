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
import { changeReaderOf, readChanges } from "../files/changes.ts";
import { commitVersions } from "../files/commit.ts";
import { listVersions } from "../files/history.ts";
import { NodeView } from "../files/node-view.ts";
import { restoreVersion } from "../files/restore.ts";
import { readSnapshot } from "../files/snapshot.ts";
import { listChildren } from "../files/tree.ts";
import type { ItemResult, ItemStatus } from "../files/version-input.ts";
import { HttpError } from "../http/errors.ts";
import { readJson, readQuery } from "../http/validate.ts";
import type { ServerEnv } from "../principal.ts";
import { readNodeParam } from "./node-param.ts";
import { changesQuerySchema, commitBodySchema, snapshotQuerySchema, treeQuerySchema, versionRestoreSchema, versionsQuerySchema } from "./schemas.ts";

const CODES: Record<ItemStatus, number> = {
  ok: 201,
  conflict: 409,
  parent_not_live: 409,
  cycle: 409,
  name_taken: 409,
  aborted: 409,
  missing_chunks: 424,
  invalid: 422,
  op_id_reused: 422,
};

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
    const results = await commitVersions(ctx, actorOf(c.var.principal, c.var.requestId), body.items, { atomic: body.atomic });
    return c.json({ results: results.map(withCode) });
  });

  app.get("/api/changes", auth, async (c) => {
    const q = readQuery(c, changesQuerySchema);
    return c.json(await readChanges(ctx.db, changeReaderOf(c.var.principal), q.since, q.limit));
  });

  app.get("/api/snapshot", auth, async (c) => {
    const q = readQuery(c, snapshotQuerySchema);
    return c.json(await readSnapshot(ctx.db, scope(c.var.principal), q));
  });

  app.get("/api/tree", auth, async (c) => {
    const q = readQuery(c, treeQuerySchema);
    const includeDeleted = q.includeDeleted === "true";
    // The content of a deleted folder is not live: listed only with includeDeleted.
    const view = includeDeleted ? null : await NodeView.load(ctx.db, c.var.principal.vaultId, { nodeIds: [q.parentId], names: [], opIds: [] });
    if (view?.parentProblem(q.parentId)) return c.json({ items: [], nextAfter: null });
    const { items, hasMore } = await listChildren(ctx.db, c.var.principal.vaultId, { ...q, includeDeleted });
    return c.json({ items, nextAfter: hasMore ? (items.at(-1)?.nodeId ?? null) : null });
  });

  app.get("/api/files/:nodeId/versions", auth, async (c) => {
    const nodeId = readNodeParam(c);
    const q = readQuery(c, versionsQuerySchema);
    const page = await listVersions(ctx.db, c.var.principal.vaultId, nodeId, q);
    if (page.versions.length === 0 && q.before === undefined) throw new HttpError(404, "not_found", "No such node");
    return c.json({ nodeId, ...page });
  });

  app.post("/api/files/:nodeId/restore", auth, async (c) => {
    const nodeId = readNodeParam(c);
    const body = await readJson(c, versionRestoreSchema);
    const result = withCode(await restoreVersion(ctx, actorOf(c.var.principal, c.var.requestId), { ...body, nodeId }));
    return c.json({ result }, result.code as ContentfulStatusCode);
  });

  return app;
}
