/**
 * Picks the HTTP transport of the runtime: `Bun.serve` under Bun, the
 * Node server elsewhere (Node, Deno). `SYNCAGENT_HTTP_TRANSPORT=node`
 * forces the Node server under Bun too.
 */
import process from "node:process";
import { bunTransport, hasBunServe } from "./bun.ts";
import { nodeTransport } from "./node.ts";
import type { AnyHono, HttpTransport, WebSocketLimits } from "./port.ts";

/**
 * Which transport serves here.
 * @param forced The `SYNCAGENT_HTTP_TRANSPORT` value, if any.
 * @param bun Whether `Bun.serve` exists.
 * @returns `bun` or `node`.
 */
export function transportKind(forced: string | undefined, bun: boolean): HttpTransport["kind"] {
  return bun && forced !== "node" ? "bun" : "node";
}

/**
 * Creates the runtime's transport for an app.
 * @param app The app.
 * @param limits WebSocket message size and subprotocol.
 * @returns The transport.
 */
export function createTransport(app: AnyHono, limits: WebSocketLimits): HttpTransport {
  const kind = transportKind(process.env.SYNCAGENT_HTTP_TRANSPORT, hasBunServe());
  return kind === "bun" ? bunTransport(app, limits) : nodeTransport(app, limits);
}
