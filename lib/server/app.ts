/**
 * The server's HTTP + WebSocket application: shared middleware, then one
 * mount line per route module. Route modules own their paths and auth.
 */
import { createNodeWebSocket, type NodeWebSocket } from "@hono/node-ws";
import { Hono } from "hono";
import type { ServerContext } from "./context.ts";
import { createErrorHandler, errorResponse, HttpError } from "./http/errors.ts";
import { requestContext } from "./http/request-context.ts";
import { securityHeaders } from "./http/security.ts";
import type { ServerEnv } from "./principal.ts";
import { healthRoutes } from "./routes/health.ts";
import { authDepsFrom } from "./auth/deps.ts";
import { authRoutes } from "./auth/routes.ts";

/** The app plus what its WebSocket routes need. */
export interface ServerApp {
  app: Hono<ServerEnv>;
  /** Makes WebSocket routes of `app` (via `upgradeWebSocket`) answer on a Node server. */
  injectWebSocket: NodeWebSocket["injectWebSocket"];
  upgradeWebSocket: NodeWebSocket["upgradeWebSocket"];
}

/**
 * Creates the server application.
 * @param ctx The server context.
 * @returns The Hono app and its WebSocket glue.
 */
export function createServerApp(ctx: ServerContext): ServerApp {
  const app = new Hono<ServerEnv>();
  const nodeWs = createNodeWebSocket({ app });
  app.onError(createErrorHandler(ctx.logger));
  app.notFound((c) => errorResponse(c, new HttpError(404, "not_found", `Not found: ${c.req.method} ${new URL(c.req.url).pathname}`)));
  app.use("*", requestContext(ctx.logger, ctx.metrics));
  app.use("*", securityHeaders(ctx.config.host, ctx.config.allowedHosts));

  app.route("/api", healthRoutes(ctx));
  // auth: setup, sessions, invitations, machines, vault key (lib/server/auth/)
  const auth = authDepsFrom(ctx, () => undefined);
  app.route("/", authRoutes(auth));

  return { app, injectWebSocket: (server) => nodeWs.injectWebSocket(server), upgradeWebSocket: nodeWs.upgradeWebSocket };
}
