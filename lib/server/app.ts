/**
 * The server's HTTP + WebSocket application: shared middleware, then one
 * mount line per route module. Route modules own their paths and auth.
 */
import { ensureErrorEvent } from "../runtime/error-event.ts";
import { createTransport } from "../runtime/http/transport.ts";
import type { HttpTransport } from "../runtime/http/port.ts";
import { Hono } from "hono";
import type { ServerContext } from "./context.ts";
import { createErrorHandler, errorResponse, HttpError } from "./http/errors.ts";
import { bodyDeadlines } from "./http/deadlines.ts";
import { requestContext } from "./http/request-context.ts";
import { acceptedHosts, securityHeaders } from "./http/security.ts";
import type { ServerEnv } from "./principal.ts";
import { adminRoutes } from "./routes/admin.ts";
import { chunkRoutes } from "./routes/chunks.ts";
import { commandRoutes } from "./commands/command-routes.ts";
import { reportRoutes } from "./ws/report-routes.ts";
import { fileRoutes } from "./routes/files.ts";
import { healthRoutes } from "./routes/health.ts";
import { statsRoutes } from "./routes/stats.ts";
import { trashRoutes } from "./routes/trash.ts";
import { checkpointRoutes } from "./routes/checkpoints.ts";
import { authDepsFrom } from "./auth/deps.ts";
import { authRoutes } from "./auth/routes.ts";
import { openCrossProcessWake } from "./ws/wake.ts";
import { Hub, type HubContextExtras } from "./ws/hub.ts";
import { MAX_CLIENT_MESSAGE, wsRoutes } from "./ws/routes.ts";
import { WS_PROTOCOL } from "./ws/socket-auth.ts";
import { dashboardAssets, dashboardRoutes } from "./dashboard/mod.ts";

/** The app, the runtime's transport that serves it, and the hub of its sockets. */
export interface ServerApp {
  app: Hono<ServerEnv>;
  /** Serves `app` and upgrades its WebSocket routes (lib/runtime/http/). */
  transport: HttpTransport;
  hub: Hub;
}

/**
 * Creates the server application.
 * @param ctx The server context.
 * @returns The Hono app, its transport and its hub.
 */
export function createServerApp(ctx: ServerContext): ServerApp {
  const app = new Hono<ServerEnv>();
  ensureErrorEvent();
  // Bun.serve under Bun, @hono/node-server elsewhere; frames over 64 KiB are refused, only syncagent.v1 is selected.
  const transport = createTransport(app, { maxMessageBytes: MAX_CLIENT_MESSAGE, protocol: WS_PROTOCOL });
  app.onError(createErrorHandler(ctx.logger));
  app.notFound((c) => errorResponse(c, new HttpError(404, "not_found", `Not found: ${c.req.method} ${new URL(c.req.url).pathname}`)));
  app.use("*", requestContext(ctx.logger, ctx.metrics));
  app.use("*", securityHeaders(ctx.config.host, acceptedHosts(ctx.config.allowedHosts, ctx.config.publicUrl)));
  app.use("*", bodyDeadlines(ctx.config, ctx.logger));

  app.route("/api", healthRoutes(ctx));
  // auth: setup, sessions, invitations, machines, vault key (lib/server/auth/);
  // WebSocket hub: /ws/changes, /ws/events, /ws/dashboard (lib/server/ws/)
  // Other processes' commits wake the hub by LISTEN/NOTIFY on PostgreSQL; on SQLite its tails poll.
  const wake = openCrossProcessWake(ctx.db, ctx.logger);
  const hub = new Hub(ctx.db, ctx.logger, { maxSocketsPerMachine: ctx.config.maxSocketsPerMachine, ...(ctx as HubContextExtras).hub }, wake);
  ctx.bus.subscribe(() => hub.wake());
  const auth = authDepsFrom(ctx, () => hub.wake());
  app.route("/", authRoutes(auth));
  // files, chunks, trash, statistics, admin (lib/server/routes/)
  app.route("/", fileRoutes(ctx, auth));
  app.route("/", chunkRoutes(ctx, auth));
  app.route("/", commandRoutes(ctx, auth)); // commands to agents (lib/server/commands/)
  app.route("/", reportRoutes(ctx, auth)); // conflicts and activity history (lib/server/ws/)
  app.route("/", trashRoutes(ctx, auth));
  app.route("/", checkpointRoutes(ctx, auth)); // tree checkpoints, opaque to the server (lib/server/checkpoints/)
  app.route("/", statsRoutes(ctx, auth));
  app.route("/", adminRoutes(ctx, auth));
  app.route("/", wsRoutes(auth, hub, transport.upgradeWebSocket));
  app.route("/", dashboardRoutes(dashboardAssets())); // the browser dashboard, last: every other GET (lib/server/dashboard/)
  return { app, transport, hub };
}
