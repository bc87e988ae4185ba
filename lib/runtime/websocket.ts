/**
 * The WebSocket client of the runtime: `globalThis.WebSocket` where it
 * exists (browsers, Deno, Bun, Node ≥ 22), the `ws` package on Node 20.
 * Agents authenticate with their machine token: in the `Authorization`
 * header where the client can set headers (`ws`), else as the subprotocol
 * `bearer.<token>` after `syncagent.v1`. Never in the URL.
 */
import type { WebSocket as NodeWs } from "ws";

/** The subprotocol every SyncAgent socket speaks. */
export const SYNCAGENT_WS_PROTOCOL = "syncagent.v1";

/** Options of {@link openWebSocket}. */
export interface OpenWebSocketOptions {
  /** Machine token for `/ws/changes` and `/ws/events`. */
  token?: string;
  /** Extra headers where the client supports them (Node `ws`: `Cookie`, `Origin`). Ignored by standard clients. */
  headers?: Record<string, string>;
  /** Force the token into the subprotocol even where headers work (tests of that path). */
  tokenInProtocol?: boolean;
}

type WsModule = { WebSocket: typeof NodeWs };

let wsModule: Promise<WsModule> | undefined;

/**
 * Whether the runtime has a standard WebSocket client.
 * @returns True in browsers, Deno, Bun and Node ≥ 22.
 */
export function hasNativeWebSocket(): boolean {
  return typeof (globalThis as { WebSocket?: unknown }).WebSocket === "function";
}

/**
 * Opens a WebSocket with the runtime's client.
 * @param url `ws://` or `wss://` URL, without credentials.
 * @param options Token and headers.
 * @returns The socket (standard `WebSocket` interface), not yet open.
 */
export async function openWebSocket(url: string, options: OpenWebSocketOptions = {}): Promise<WebSocket> {
  const protocols = [SYNCAGENT_WS_PROTOCOL];
  const native = hasNativeWebSocket() && options.headers === undefined;
  if (options.token && (native || options.tokenInProtocol)) protocols.push(`bearer.${options.token}`);
  if (native) return new WebSocket(url, protocols);
  wsModule ??= import("ws");
  const { WebSocket: NodeWebSocket } = await wsModule;
  const headers: Record<string, string> = { ...options.headers };
  if (options.token && !options.tokenInProtocol) headers.authorization = `Bearer ${options.token}`;
  return new NodeWebSocket(url, protocols, { headers }) as unknown as WebSocket;
}
