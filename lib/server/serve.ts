/**
 * Starts the server on its address: HTTP, or HTTPS when the config names a
 * certificate and key, with WebSocket upgrades wired in, and the
 * connection deadlines of the config. The runtime's transport serves it
 * (lib/runtime/http/: Bun.serve under Bun, the Node server elsewhere).
 */
import { releaseDeadClaims } from "./chunks/dead-claims.ts";
import { readFileSync } from "node:fs";
import { createServerApp, type ServerApp } from "./app.ts";
import type { ServerContext } from "./context.ts";
import { bodyDeadlineFor } from "./http/deadlines.ts";
import { DEFAULT_JSON_LIMIT } from "./http/validate.ts";
import { MAX_BATCH_BYTES } from "./chunks/batch.ts";
import { prepareDummyHash } from "./accounts/password.ts";
import { closeWithHub } from "./ws/shutdown.ts";
import type { HttpTransport } from "../runtime/http/port.ts";

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8420`. */
  url: string;
  port: number;
  app: ServerApp;
  /** Which transport serves: `bun` (Bun.serve) or `node`. */
  transport: HttpTransport["kind"];
  /** Open connections (HTTP and WebSocket). */
  connections(): Promise<number>;
  /** Closes every WebSocket (1001), stops accepting connections, closes open ones and waits. */
  close(): Promise<void>;
}

/**
 * Starts listening on `ctx.config.host:port` (port 0 picks a free one).
 * @param ctx The server context.
 * @returns Once listening, the running server.
 */
export async function startServer(ctx: ServerContext): Promise<RunningServer> {
  const serverApp = createServerApp(ctx);
  // Unknown user names are checked against a dummy hash: make it before the
  // first login, so that login costs what the others cost.
  await prepareDummyHash();
  const released = await releaseDeadClaims(ctx.db, ctx.config.databaseUrl);
  if (released > 0) ctx.logger.info({ released }, "upload claims of a previous process released");
  const { host, port, tlsCertFile, tlsKeyFile } = ctx.config;
  const tls = tlsCertFile && tlsKeyFile ? { cert: readFileSync(tlsCertFile), key: readFileSync(tlsKeyFile) } : undefined;
  const listening = await serverApp.transport.listen({
    hostname: host,
    port,
    ...(tls ? { tls } : {}),
    // Headers, body and idle keep-alive deadlines (lib/server/http/deadlines.ts).
    deadlines: ctx.config,
    bodyDeadlineFor: (method, path) => bodyDeadlineFor(method, path, ctx.config),
    // Every route bounds its own body (413 with our error shape); the transport's bound is only an outer one.
    maxBodyBytes: 2 * Math.max(ctx.config.maxChunkBytes, MAX_BATCH_BYTES, DEFAULT_JSON_LIMIT),
  });
  const shownHost = listening.family === "IPv6" ? `[${listening.address}]` : listening.address;
  return {
    url: `${tls ? "https" : "http"}://${shownHost}:${listening.port}`,
    port: listening.port,
    app: serverApp,
    transport: serverApp.transport.kind,
    connections: () => listening.connections(),
    close: () => closeWithHub(listening, serverApp.hub),
  };
}
