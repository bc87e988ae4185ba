/**
 * Statistics routes (S10): per-machine figures from the event-fed
 * projection, and the vault's totals.
 */
import { Hono } from "hono";
import type { AuthDeps } from "../auth/deps.ts";
import { requireMachineOrUser } from "../auth/middleware.ts";
import type { ServerContext } from "../context.ts";
import { machineStats, vaultTotals } from "../files/stats.ts";
import type { ServerEnv } from "../principal.ts";

/**
 * The statistics routes.
 * @param ctx The server context.
 * @param deps Auth dependencies.
 * @returns A sub-app to mount at `/`.
 */
export function statsRoutes(ctx: ServerContext, deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const auth = requireMachineOrUser(deps);
  app.get("/api/stats", auth, async (c) => {
    const p = c.var.principal;
    return c.json({ vault: await vaultTotals(ctx.db, p.vaultId), machines: await machineStats(ctx.db, p.vaultId) });
  });
  return app;
}
