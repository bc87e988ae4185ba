/**
 * Limits for the `ws` server under @hono/node-ws (Node only; other runtimes
 * apply the same 64 KiB bound in the message handler): frames larger than
 * {@link MAX_CLIENT_MESSAGE} are refused by the protocol layer (close 1009)
 * before they are buffered, and the only subprotocol ever selected is
 * `syncagent.v1`, so a `bearer.<token>` entry is never echoed.
 */
import type { WebSocketServer } from "ws";
import { MAX_CLIENT_MESSAGE } from "./routes.ts";
import { WS_PROTOCOL } from "./socket-auth.ts";

/**
 * Applies the limits to the WebSocket server.
 * @param wss The `ws` server created by `createNodeWebSocket`.
 */
export function limitNodeWebSockets(wss: WebSocketServer): void {
  wss.options.maxPayload = MAX_CLIENT_MESSAGE;
  wss.options.handleProtocols = (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false);
}
