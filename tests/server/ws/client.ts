/**
 * A WebSocket test client over the `ws` package: records every message,
 * waits for a message or the close with a deadline (no sleeps), and reports
 * the HTTP status of a refused upgrade.
 */
import WebSocket from "ws";
import type { TestServer } from "../../helpers/server.ts";

/** An open test socket. */
export interface TestSocket {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first message (already received or not) that matches, or rejects after `timeoutMs`. */
  waitFor(match: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  send(value: unknown): void;
  close(): void;
}

/** Connection options. */
export interface ConnectOptions {
  headers?: Record<string, string>;
  protocols?: string[];
  /** Answer protocol pings. @default true */
  autoPong?: boolean;
}

/** What the client needs of a server: its base URL (and, for browsers, the Origin and admin cookie). */
export type ServerAddress = Pick<TestServer, "url">;

function wsUrl(server: ServerAddress, path: string): string {
  return server.url.replace(/^http/, "ws") + path;
}

/**
 * Opens a socket and waits until it is open.
 * @param server The server.
 * @param path `/ws/changes`, …
 * @param options Headers, protocols.
 * @returns The socket.
 */
export function connect(server: ServerAddress, path: string, options: ConnectOptions = {}): Promise<TestSocket> {
  const ws = new WebSocket(wsUrl(server, path), options.protocols ?? [], { headers: options.headers ?? {}, autoPong: options.autoPong ?? true });
  const messages: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  ws.on("message", (data: Buffer) => {
    messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    for (const l of listeners) l();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const socket: TestSocket = {
    ws,
    messages,
    closed,
    waitFor(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = messages.find(match);
          if (found) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(found);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`No matching message within ${timeoutMs} ms; got ${JSON.stringify(messages).slice(0, 500)}`));
        }, timeoutMs);
        if (!check()) listeners.add(check);
      });
    },
    send: (value) => ws.send(JSON.stringify(value)),
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(socket));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

/**
 * Tries to open a socket that the server should refuse.
 * @param server The server.
 * @param path The endpoint.
 * @param options Headers, protocols.
 * @returns The HTTP status of the refusal (0 if it opened).
 */
export async function refusedStatus(server: ServerAddress, path: string, options: ConnectOptions = {}): Promise<number> {
  try {
    const socket = await connect(server, path, options);
    socket.close();
    return 0;
  } catch (error) {
    const match = /HTTP (\d+)/.exec((error as Error).message);
    if (!match) throw error;
    return Number(match[1]);
  }
}

/**
 * Waits for a socket to close, with a deadline.
 * @param socket The socket.
 * @param timeoutMs Deadline.
 * @returns The close code and reason.
 */
export function closedWithin(socket: TestSocket, timeoutMs = 5000): Promise<{ code: number; reason: string }> {
  return Promise.race([
    socket.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`Socket still open after ${timeoutMs} ms`)), timeoutMs)),
  ]);
}

/** Headers a machine agent sends. */
export function machineHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Headers the admin's browser sends. */
export function browserHeaders(server: TestServer, cookie = server.admin.cookie): Record<string, string> {
  return { cookie, origin: server.origin };
}
