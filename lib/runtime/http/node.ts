/**
 * The Node transport (Node and Deno): `@hono/node-server` on `node:http`
 * or `node:https`, WebSockets through `@hono/node-ws` (the `ws` package).
 * Node's server applies the headers, whole-request and idle keep-alive
 * deadlines ({@link nodeServerTimeouts}); the `ws` server refuses frames
 * over the message limit (close 1009) before buffering them and selects
 * only our subprotocol.
 */
import { serve, type ServerType } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { AnyHono, ConnectionDeadlines, HttpTransport, Listening, ListenOptions, WebSocketLimits } from "./port.ts";

/**
 * The Node server options that carry the deadlines: headers, the whole
 * request (the longest body deadline plus the headers', an outer bound), and
 * idle keep-alive. Node checks the first two on a timer, so its period is
 * tied to the headers deadline.
 * @param config The deadlines.
 * @returns Options for `http.createServer` / `https.createServer`.
 */
export function nodeServerTimeouts(config: ConnectionDeadlines): {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval: number;
} {
  return {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: Math.max(config.bodyTimeoutMs, config.uploadTimeoutMs) + config.headersTimeoutMs,
    keepAliveTimeout: config.idleTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(config.headersTimeoutMs / 4))),
  };
}

function listening(server: ServerType): Listening {
  const address = server.address() as AddressInfo;
  return {
    address: address.address,
    family: address.family === "IPv6" ? "IPv6" : "IPv4",
    port: address.port,
    connections: () => new Promise((resolve, reject) => server.getConnections((error, n) => (error ? reject(error) : resolve(n)))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}

/**
 * Creates the Node transport of an app.
 * @param app The app (its WebSocket routes use this transport's `upgradeWebSocket`).
 * @param limits Message size and subprotocol.
 * @returns The transport.
 */
export function nodeTransport(app: AnyHono, limits: WebSocketLimits): HttpTransport {
  const nodeWs = createNodeWebSocket({ app });
  nodeWs.wss.options.maxPayload = limits.maxMessageBytes;
  nodeWs.wss.options.handleProtocols = (protocols) => (protocols.has(limits.protocol) ? limits.protocol : false);
  return {
    kind: "node",
    upgradeWebSocket: nodeWs.upgradeWebSocket,
    async listen(options: ListenOptions): Promise<Listening> {
      const timeouts = nodeServerTimeouts(options.deadlines);
      const server = await new Promise<ServerType>((resolve, reject) => {
        const base = { fetch: app.fetch, hostname: options.hostname, port: options.port };
        const config = options.tls
          ? { ...base, createServer: createHttpsServer, serverOptions: { cert: options.tls.cert, key: options.tls.key, ...timeouts } }
          : { ...base, serverOptions: timeouts };
        const s = serve(config, () => resolve(s));
        s.once("error", reject);
      });
      nodeWs.injectWebSocket(server);
      return listening(server);
    },
  };
}
