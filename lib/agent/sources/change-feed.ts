/**
 * The server's change feed (A13): `/ws/changes` kept open, its messages
 * checked and handed to the engine: `hello` (the vault's head on each
 * connection), `changes` (events, in order), `changed` (a hint: pull
 * `GET /api/changes` from the agent's cursor) and `command` (W9, A19).
 * The engine turns events into queue entries; this file only speaks the
 * protocol.
 */
import type { BackoffOptions } from "./backoff.ts";
import { startLiveSocket, type SocketState, type WebSocketConstructor } from "./live-socket.ts";

/** One change-log event as the feed pushes it (the engine converts it). */
export interface FeedChange {
  seq: number;
  id: string;
  type: string;
  version: number;
  ts: number;
  stream: string;
  opId: string | null;
  machineId: string | null;
  payload: unknown;
  meta: Record<string, unknown>;
}

/** A command for this machine (sync now, pause, resume). */
export interface FeedCommand {
  /** 32 hex characters; act on it once, acknowledge it once. */
  commandId: string;
  kind: string;
  issuedAt: number;
  expiresAt: number;
}

/** Options of {@link startChangeFeed}. */
export interface ChangeFeedOptions {
  /** The server's base URL; a function when it may change between connections. */
  serverUrl: string | (() => string);
  /** The machine token. */
  token: string;
  /** The vault's head, on every (re)connection: pull from the agent's cursor if it is behind. */
  onHello: (cursor: number) => void;
  /** New events, in order; `cursor` is the last seq the server read (it may pass the last event). */
  onChanges: (cursor: number, events: FeedChange[]) => void;
  /** Events were not pushed (too many, or dropped): pull from the agent's cursor. */
  onHint: (cursor: number) => void;
  /** A command; it may arrive more than once (act on a `commandId` once). */
  onCommand: (command: FeedCommand) => void;
  /** Connection state changes. */
  onState?: (state: SocketState) => void;
  /** The server refused the machine for good (removed); the feed has stopped. */
  onFatal?: (reason: string) => void;
  /** A malformed message, or a callback that threw. */
  onError?: (error: Error) => void;
  /** Reconnect delays. @default { initialMs: 1000, maxMs: 60000 } */
  backoff?: BackoffOptions;
  /** WebSocket constructor. @default the runtime's client */
  WebSocket?: WebSocketConstructor;
}

/** A running change feed. */
export interface ChangeFeed {
  /** Stops the feed for good. */
  close(): Promise<void>;
  /** Whether the socket is open now. */
  readonly connected: boolean;
}

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

function isChange(value: unknown): value is FeedChange {
  const c = value as Partial<FeedChange> | null;
  return c !== null && typeof c === "object" && isCount(c.seq) && typeof c.type === "string" && typeof c.stream === "string";
}

function isCommand(m: Record<string, unknown>): boolean {
  return typeof m.commandId === "string" && /^[0-9a-f]{32}$/.test(m.commandId) && typeof m.kind === "string" && isCount(m.issuedAt) && isCount(m.expiresAt);
}

/**
 * Opens the change feed and keeps it open (reconnecting with backoff).
 * @param options Server, token and callbacks.
 * @returns The feed.
 */
export function startChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const malformed = (type: string): void => options.onError?.(new Error(`The server sent a malformed ${type} message on /ws/changes`));
  const socket = startLiveSocket({
    serverUrl: options.serverUrl,
    path: "/ws/changes",
    token: options.token,
    backoff: options.backoff,
    WebSocket: options.WebSocket,
    onState: options.onState,
    onFatal: options.onFatal,
    onError: options.onError,
    onMessage: (m) => {
      switch (m.type) {
        case "hello":
          if (!isCount(m.cursor)) return malformed("hello");
          return options.onHello(m.cursor);
        case "changes":
          if (!isCount(m.cursor) || !Array.isArray(m.events) || !m.events.every(isChange)) return malformed("changes");
          return options.onChanges(m.cursor, m.events);
        case "changed":
          if (!isCount(m.cursor)) return malformed("changed");
          return options.onHint(m.cursor);
        case "command":
          if (!isCommand(m)) return malformed("command");
          return options.onCommand({ commandId: m.commandId as string, kind: m.kind as string, issuedAt: m.issuedAt as number, expiresAt: m.expiresAt as number });
        default:
          // A newer server's message: not for this agent.
          return;
      }
    },
  });
  return {
    close: () => socket.close(),
    get connected() {
      return socket.connected;
    },
  };
}
