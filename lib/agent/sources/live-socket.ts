/**
 * A WebSocket to the server that stays up: it reconnects with exponential
 * backoff and jitter (reset once a connection stayed open), answers the
 * server's `{"type":"ping"}`, parses JSON messages, and stops for good on
 * close code 4401 (the machine was removed) or a refused token. The token
 * goes in the `bearer.` subprotocol after `syncagent.v1`, never in the URL,
 * and never in a message of ours.
 */
import { openWebSocket, SYNCAGENT_WS_PROTOCOL } from "../../runtime/websocket.ts";
import { backoffDelay, type BackoffOptions } from "./backoff.ts";
import { webSocketUrl } from "./ws-url.ts";

/** Close code: the machine was removed or its token revoked. */
export const CLOSE_MACHINE_REMOVED = 4401;
/** Close code: the machine holds too many sockets on that server process. */
export const CLOSE_TOO_MANY_SOCKETS = 4429;

/** Where a live socket is in its life. */
export type SocketState = "connecting" | "open" | "closed";

/** A standard WebSocket constructor (the runtime's, or one for tests). */
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocket;

/** Options of {@link startLiveSocket}. */
export interface LiveSocketOptions {
  /** The server's base URL; a function when it may change between connections. */
  serverUrl: string | (() => string);
  /** The endpoint path (`/ws/changes`). */
  path: string;
  /** The machine token (`sam_…`). */
  token: string;
  /** Reconnect delays. */
  backoff?: BackoffOptions;
  /** A connection open this long resets the backoff, ms. @default 10000 */
  stableMs?: number;
  /** A handshake not done after this long is abandoned and retried, ms. @default 15000 */
  connectTimeoutMs?: number;
  /**
   * A connection that shows no sign of life (message or protocol ping) this long is dropped and
   * redialled, ms. The server probes every 20 s. Only where the client shows protocol pings (`ws`).
   * @default 60000
   */
  idleTimeoutMs?: number;
  /** WebSocket constructor. @default the runtime's client (the `ws` package on Node 20) */
  WebSocket?: WebSocketConstructor;
  /** Called once a connection is open. */
  onOpen?: () => void;
  /** Called for every JSON object message except pings. */
  onMessage: (message: Record<string, unknown>) => void;
  /** Called when the state changes. */
  onState?: (state: SocketState) => void;
  /** Called once when the server refused the machine for good; no reconnect follows. */
  onFatal?: (reason: string) => void;
  /** Called when a callback threw or a message was not JSON. */
  onError?: (error: Error) => void;
  /** Source of jitter. @default Math.random */
  random?: () => number;
}

/** A running live socket. */
export interface LiveSocket {
  /** Sends a JSON message now; false when not connected. */
  send(message: object): boolean;
  /** Whether the socket is open. */
  readonly connected: boolean;
  /** Stops for good: closes the socket, cancels any reconnect. */
  close(): Promise<void>;
}

const REFUSED = /Unexpected server response: 40[13]\b/;

/**
 * Opens a socket to the server and keeps it open.
 * @param options Server, endpoint, token and callbacks.
 * @returns The live socket.
 */
export function startLiveSocket(options: LiveSocketOptions): LiveSocket {
  let socket: WebSocket | undefined;
  let open = false;
  let stopped = false;
  let attempt = 0;
  let retry: NodeJS.Timeout | undefined;
  let closedSignal: (() => void) | undefined;
  const random = options.random ?? Math.random;

  const guard = (what: () => void): void => {
    try {
      what();
    } catch (error) {
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  };
  const setState = (state: SocketState): void => guard(() => options.onState?.(state));

  const stop = (reason: string): void => {
    stopped = true;
    guard(() => options.onFatal?.(reason));
  };

  const schedule = (minimumMs = 0): void => {
    if (stopped) return;
    const delay = Math.max(minimumMs, backoffDelay(attempt, options.backoff, random));
    attempt++;
    retry = setTimeout(() => void connect(), delay);
  };

  const connect = async (): Promise<void> => {
    retry = undefined;
    if (stopped) return;
    setState("connecting");
    let ws: WebSocket;
    try {
      const url = webSocketUrl(typeof options.serverUrl === "function" ? options.serverUrl() : options.serverUrl, options.path);
      ws = options.WebSocket
        ? new options.WebSocket(url, [SYNCAGENT_WS_PROTOCOL, `bearer.${options.token}`])
        : await openWebSocket(url, { token: options.token, tokenInProtocol: true });
    } catch (error) {
      guard(() => options.onError?.(error instanceof Error ? error : new Error(String(error))));
      setState("closed");
      schedule();
      return;
    }
    if (stopped) {
      ws.close(1000);
      return;
    }
    socket = ws;
    let openedAt = 0;
    let refused = false;
    const handshake = setTimeout(() => ws.close(), options.connectTimeoutMs ?? 15_000);

    // The `ws` client shows the server's protocol pings; a standard client does not.
    const pings = ws as unknown as { on?: (event: "ping", listener: () => void) => void; terminate?: () => void };
    let idle: NodeJS.Timeout | undefined;
    const alive = (): void => void idle?.refresh();
    if (typeof pings.on === "function") pings.on("ping", alive);

    ws.addEventListener("open", () => {
      clearTimeout(handshake);
      if (typeof pings.on === "function") idle = setTimeout(() => pings.terminate?.(), options.idleTimeoutMs ?? 60_000);
      open = true;
      openedAt = Date.now();
      setState("open");
      guard(() => options.onOpen?.());
    });
    ws.addEventListener("error", (event) => {
      if (REFUSED.test((event as { message?: string }).message ?? "")) refused = true;
    });
    ws.addEventListener("message", (event: MessageEvent) => {
      alive();
      if (typeof event.data !== "string") return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        guard(() => options.onError?.(new Error(`The server sent a message that is not JSON on ${options.path}`)));
        return;
      }
      if (message === null || typeof message !== "object" || Array.isArray(message)) return;
      const record = message as Record<string, unknown>;
      if (record.type === "ping") {
        ws.send(JSON.stringify({ type: "pong" }));
        return;
      }
      guard(() => options.onMessage(record));
    });
    ws.addEventListener("close", (event: CloseEvent) => {
      clearTimeout(handshake);
      clearTimeout(idle);
      const wasOpen = open;
      open = false;
      if (socket === ws) socket = undefined;
      setState("closed");
      closedSignal?.();
      if (stopped) return;
      if (event.code === CLOSE_MACHINE_REMOVED) return stop("The server removed this machine (close code 4401)");
      if (refused) return stop("The server refused this machine's token");
      if (wasOpen && Date.now() - openedAt >= (options.stableMs ?? 10_000)) attempt = 0;
      // Another socket of ours was preferred: coming back at once would push out the next one.
      schedule(event.code === CLOSE_TOO_MANY_SOCKETS ? Math.min(options.backoff?.maxMs ?? 60_000, 30_000) : 0);
    });
  };

  void connect();

  return {
    send(message) {
      if (!open || !socket) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    get connected() {
      return open;
    },
    close() {
      stopped = true;
      if (retry) clearTimeout(retry);
      const ws = socket;
      if (!ws || ws.readyState === ws.CLOSED) return Promise.resolve();
      return new Promise<void>((resolve) => {
        closedSignal = resolve;
        ws.close(1000);
      });
    },
  };
}
