/**
 * Starts the server on its address: HTTP, or HTTPS when the config names a
 * certificate and key, with WebSocket upgrades wired in, and the
 * connection deadlines of the config.
 */
import { releaseDeadClaims } from "./chunks/dead-claims.ts";
import { serve, type ServerType } from "@hono/node-server";
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createServerApp, type ServerApp } from "./app.ts";
import type { ServerContext } from "./context.ts";
import { nodeServerTimeouts } from "./http/deadlines.ts";
import { prepareDummyHash } from "./accounts/password.ts";

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8420`. */
  url: string;
  port: number;
  server: ServerType;
  app: ServerApp;
  /** Stops accepting connections, closes open ones and waits. */
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
  // Headers, whole-request and idle keep-alive deadlines (lib/server/http/deadlines.ts).
  const timeouts = nodeServerTimeouts(ctx.config);
  const server = await new Promise<ServerType>((resolve, reject) => {
    const options = tls
      ? { fetch: serverApp.app.fetch, hostname: host, port, createServer: createHttpsServer, serverOptions: { ...tls, ...timeouts } }
      : { fetch: serverApp.app.fetch, hostname: host, port, serverOptions: timeouts };
    const s = serve(options, () => resolve(s));
    s.once("error", reject);
  });
  serverApp.injectWebSocket(server);
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `${tls ? "https" : "http"}://${shownHost}:${address.port}`;
  return {
    url,
    port: address.port,
    server,
    app: serverApp,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
