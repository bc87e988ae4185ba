/**
 * The HTTP transport port (DESIGN §1): how the server's Hono app is served
 * and how its WebSocket routes upgrade, whatever the runtime. Under Bun the
 * app runs on `Bun.serve` (bun.ts); under Node and Deno on
 * `@hono/node-server` with `@hono/node-ws` (node.ts). The server only sees
 * this port.
 */
import type { Hono } from "hono";
import type { UpgradeWebSocket } from "hono/ws";

/** The connection deadlines a transport applies (milliseconds). */
export interface ConnectionDeadlines {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  uploadTimeoutMs: number;
  idleTimeoutMs: number;
}

/** Where and how to listen. */
export interface ListenOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** HTTPS when given. */
  tls?: { cert: Buffer | string; key: Buffer | string };
  deadlines: ConnectionDeadlines;
  /**
   * How long the body of a request may take to arrive.
   * @param method The request method.
   * @param path The request path.
   * @returns Milliseconds.
   */
  bodyDeadlineFor(method: string, path: string): number;
  /** No route accepts a body larger than this; a transport may refuse one before the app runs. */
  maxBodyBytes: number;
}

/** A listening transport. */
export interface Listening {
  /** The bound address, e.g. `127.0.0.1` or `::1`. */
  address: string;
  family: "IPv4" | "IPv6";
  port: number;
  /** Open connections (HTTP and WebSocket). */
  connections(): Promise<number>;
  /** Stops accepting, closes every connection and resolves once closed. */
  close(): Promise<void>;
}

/** What the WebSocket layer enforces before a message reaches a route. */
export interface WebSocketLimits {
  /** Frames larger than this are refused (close 1009) before they are buffered. */
  maxMessageBytes: number;
  /** The only subprotocol ever selected (a `bearer.<token>` entry is never echoed). */
  protocol: string;
}

/** A runtime's way of serving an app. */
export interface HttpTransport {
  /** `bun` (Bun.serve) or `node` (@hono/node-server). */
  readonly kind: "bun" | "node";
  /** Upgrade helper for the app's WebSocket routes. */
  upgradeWebSocket: UpgradeWebSocket;
  /**
   * Starts serving the app.
   * @param options Address, TLS, deadlines and limits.
   * @returns Once listening.
   */
  listen(options: ListenOptions): Promise<Listening>;
}

/** Any Hono app (the transport does not look at its routes' types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyHono = Hono<any, any, any>;

/** What a WebSocket socket exposes to heartbeats, as `WSContext.raw`, on every transport. */
export interface HeartbeatSocket {
  ping(): void;
  terminate?: () => void;
  on(event: "pong", listener: () => void): void;
  bufferedAmount?: number;
}
