/**
 * Starts the server on its address: HTTP, or HTTPS when the config names a
 * certificate and key, with WebSocket upgrades wired in, and the
 * connection deadlines of the config. The runtime's transport serves it
 * (lib/runtime/http/: Bun.serve under Bun, the Node server elsewhere).
 */
import { releaseDeadClaims } from "./chunks/dead-claims.ts";
import { holdProcessLease } from "./db/process-lease.ts";
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
  // This process's liveness lease; on each renewal, the claims of dead processes are released.
  const releaseDead = async (): Promise<void> => {
    const released = await releaseDeadClaims(ctx.db);
    if (released > 0) ctx.logger.info({ released }, "upload claims of a stopped server process released");
  };
  const lease = await holdProcessLease(ctx.db, ctx.processToken, {
    onRenew: releaseDead,
    onError: (err: unknown) => ctx.logger.warn({ err }, "cannot renew this process's lease"),
  });
  await releaseDead();
  const { host, port, tlsCertFile, tlsKeyFile } = ctx.config;
  const tls = tlsCertFile && tlsKeyFile ? { cert: readFileSync(tlsCertFile), key: readFileSync(tlsKeyFile) } : undefined;
  const options: Parameters<typeof serverApp.transport.listen>[0] = {
    hostname: host,
    port,
    ...(tls ? { tls } : {}),
    // Headers, body and idle keep-alive deadlines (lib/server/http/deadlines.ts).
    deadlines: ctx.config,
    bodyDeadlineFor: (method, path) => bodyDeadlineFor(method, path, ctx.config),
    // Every route bounds its own body (413 with our error shape); the transport's bound is only an outer one.
    maxBodyBytes: 2 * Math.max(ctx.config.maxChunkBytes, MAX_BATCH_BYTES, DEFAULT_JSON_LIMIT),
  };
  const listening = await serverApp.transport.listen(options).catch(async (error: unknown) => {
    await lease.stop();
    throw error;
  });
  const shownHost = listening.family === "IPv6" ? `[${listening.address}]` : listening.address;
  return {
    url: `${tls ? "https" : "http"}://${shownHost}:${listening.port}`,
    port: listening.port,
    app: serverApp,
    transport: serverApp.transport.kind,
    connections: () => listening.connections(),
    close: async () => {
      await closeWithHub(listening, serverApp.hub);
      await lease.stop();
    },
  };
}
