/**
 * The Bun transport: the app's `fetch` runs natively on `Bun.serve`, and
 * WebSocket routes upgrade through `server.upgrade`, with no Node
 * compatibility layer between the socket and the app. What the Node
 * transport gets from `node:http` and `ws` is kept:
 * - deadlines: Bun's idle timeout (seconds) closes silent and idle
 *   keep-alive connections; while the app works on a request, a request
 *   with a body gets its body deadline as the idle bound (a stalled body
 *   closes the connection) and one without a body none (Bun would
 *   otherwise cut an answer slower than the idle deadline), then the idle
 *   deadline again. Bun bounds unfinished headers by its own fixed
 *   timeout (about 10 s).
 * - the client address, as `remoteAddress` in the app's env.
 * - WebSockets: frames over the message limit are refused (close 1009)
 *   before they are buffered; only our subprotocol is ever selected;
 *   protocol pings and their pongs, and the unsent byte count, through a
 *   `raw` that has the shape heartbeats read ({@link HeartbeatSocket}).
 * - response bodies are pulled as the socket drains (backpressure).
 */
import { defineWebSocketHelper, WSContext, type UpgradeWebSocket, type WSEvents } from "hono/ws";
import type { AnyHono, HeartbeatSocket, HttpTransport, Listening, ListenOptions, WebSocketLimits } from "./port.ts";

/** What a socket carries from its upgrade to its events. */
interface SocketData {
  events: WSEvents;
  url: URL;
  protocol: string;
  context?: WSContext;
  onPong?: () => void;
}

/** The part of Bun's `ServerWebSocket` used here. */
interface BunSocket {
  data: SocketData;
  readonly readyState: 0 | 1 | 2 | 3;
  send(data: string | ArrayBuffer | Uint8Array, compress?: boolean): number;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): number;
  getBufferedAmount(): number;
}

/** The part of Bun's `Server` used here. */
interface BunServer {
  readonly port: number;
  readonly hostname: string;
  readonly pendingRequests: number;
  readonly pendingWebSockets: number;
  upgrade(request: Request, options: { data: SocketData; headers?: Record<string, string> }): boolean;
  requestIP(request: Request): { address: string } | null;
  timeout(request: Request, seconds: number): void;
  stop(closeActiveConnections?: boolean): Promise<void>;
}

interface BunRuntime {
  serve(options: Record<string, unknown>): BunServer;
}

/** The env the app's handlers get under Bun. */
export interface BunEnv {
  server: BunServer;
  /** The peer's address (read lazily). */
  readonly remoteAddress: string | undefined;
  /** Set once the request became a WebSocket. */
  upgraded?: boolean;
}

/** Bun's timeouts are whole seconds, at most 255. */
function seconds(ms: number): number {
  return Math.min(255, Math.max(1, Math.ceil(ms / 1000)));
}

/**
 * Whether this runtime has `Bun.serve`.
 * @returns True under Bun.
 */
export function hasBunServe(): boolean {
  return typeof (globalThis as { Bun?: { serve?: unknown } }).Bun?.serve === "function";
}

function contextOf(ws: BunSocket): WSContext {
  if (ws.data.context) return ws.data.context;
  const raw: HeartbeatSocket = {
    ping: () => void ws.ping(),
    terminate: () => ws.terminate(),
    on: (_event, listener) => void (ws.data.onPong = listener),
    get bufferedAmount() {
      return ws.getBufferedAmount();
    },
  };
  const context = new WSContext({
    send: (source, options) => void ws.send(source, options?.compress),
    close: (code, reason) => ws.close(code, reason),
    raw,
    get readyState() {
      return ws.readyState;
    },
    url: ws.data.url,
    protocol: ws.data.protocol,
  });
  ws.data.context = context;
  return context;
}

function run(ws: BunSocket, handler: () => unknown): void {
  const fail = (error: unknown): void => {
    const onError = ws.data.events.onError;
    if (!onError) throw error;
    const event = new Event("error");
    (event as Event & { error?: unknown }).error = error;
    onError(event, contextOf(ws));
  };
  try {
    const result = handler();
    if (result instanceof Promise) result.catch(fail);
  } catch (error) {
    fail(error);
  }
}

function upgradeHelper(limits: WebSocketLimits): UpgradeWebSocket {
  return defineWebSocketHelper((c, events) => {
    const server = (c.env as BunEnv | undefined)?.server;
    if (!server) throw new TypeError("the Bun transport's env is missing");
    const offered = (c.req.header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    const protocol = offered.includes(limits.protocol) ? limits.protocol : "";
    const data: SocketData = { events, url: new URL(c.req.url), protocol };
    const upgraded = server.upgrade(c.req.raw, protocol ? { data, headers: { "Sec-WebSocket-Protocol": protocol } } : { data });
    if (!upgraded) return undefined;
    (c.env as BunEnv).upgraded = true;
    return new Response(null);
  });
}

/** A close event (CloseEvent where the runtime has it). */
function closeEvent(code: number, reason: string): CloseEvent {
  if (typeof CloseEvent === "function") return new CloseEvent("close", { code, reason });
  return Object.assign(new Event("close"), { code, reason, wasClean: true });
}

const socketHandlers = {
  open(ws: BunSocket): void {
    const { onOpen } = ws.data.events;
    if (onOpen) run(ws, () => onOpen(new Event("open"), contextOf(ws)));
  },
  message(ws: BunSocket, message: string | Uint8Array): void {
    const { onMessage } = ws.data.events;
    if (!onMessage) return;
    const data = typeof message === "string" ? message : (message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength) as ArrayBuffer);
    run(ws, () => onMessage(new MessageEvent("message", { data }), contextOf(ws)));
  },
  close(ws: BunSocket, code: number, reason: string): void {
    const { onClose } = ws.data.events;
    if (onClose) run(ws, () => onClose(closeEvent(code, reason), contextOf(ws)));
  },
  pong(ws: BunSocket): void {
    ws.data.onPong?.();
  },
};

function listening(server: BunServer): Listening {
  const address = server.hostname.replace(/^\[|\]$/g, "");
  return {
    address,
    family: address.includes(":") ? "IPv6" : "IPv4",
    port: server.port,
    connections: () => Promise.resolve(server.pendingRequests + server.pendingWebSockets),
    close: () => server.stop(true),
  };
}

/**
 * Creates the Bun transport of an app.
 * @param app The app (its WebSocket routes use this transport's `upgradeWebSocket`).
 * @param limits Message size and subprotocol.
 * @returns The transport.
 */
export function bunTransport(app: AnyHono, limits: WebSocketLimits): HttpTransport {
  return {
    kind: "bun",
    upgradeWebSocket: upgradeHelper(limits),
    listen(options: ListenOptions): Promise<Listening> {
      const bun = (globalThis as unknown as { Bun: BunRuntime }).Bun;
      const idle = seconds(options.deadlines.idleTimeoutMs);
      const fetch = async (request: Request, server: BunServer): Promise<Response> => {
        let remote: { address: string } | null | undefined;
        const env: BunEnv = {
          server,
          get remoteAddress() {
            remote ??= server.requestIP(request);
            return remote?.address;
          },
        };
        // While the app works on a request, Bun's idle bound would cut a slow answer: none for a request
        // without a body, the body's deadline for one with a body; the connection is idle-bound again after.
        const bound = request.body === null ? 0 : seconds(options.bodyDeadlineFor(request.method, new URL(request.url).pathname));
        server.timeout(request, bound);
        const response = await app.fetch(request, env);
        if (!env.upgraded) server.timeout(request, idle);
        return response;
      };
      try {
        const server = bun.serve({
          hostname: options.hostname,
          port: options.port,
          idleTimeout: idle,
          maxRequestBodySize: options.maxBodyBytes,
          ...(options.tls ? { tls: { cert: options.tls.cert, key: options.tls.key } } : {}),
          fetch,
          // Heartbeats (the hub) ping and drop dead sockets: Bun's own pings and idle cut are off.
          websocket: { ...socketHandlers, maxPayloadLength: limits.maxMessageBytes, idleTimeout: 0, sendPings: false },
        });
        return Promise.resolve(listening(server));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}
