/**
 * The live feed: one `/ws/dashboard` socket while signed in, reopened with
 * a growing delay (1 s, 2 s, 4 s … 30 s) when it drops. Machines' status
 * and the vault's changes arrive here; pages subscribe.
 */
import { loadSession } from "./session.ts";
import { store } from "./store.ts";

/** A machine's live status (docs/api.md, `status`). */
export interface MachineStatus {
  state: "syncing" | "idle" | "error" | "paused" | "offline";
  lastFile: string | null;
  lastSyncedAt: number | null;
  speedBps: number | null;
  filesSynced: number | null;
  filesPending: number | null;
  bytesStored: number | null;
  errors: number;
  conflicts: number;
  lastError: string | null;
  updatedAt: number | null;
  behind: number | null;
}

/** A machine of the vault. */
export interface Machine {
  id: string;
  name: string;
  platform: string;
  createdAt: number;
  lastSeenAt: number | null;
  status: MachineStatus;
}

/** An agent's report as the socket relays it. */
export interface LiveReport {
  machineId: string;
  ts: number;
  report: { type: string; ts?: number; nodeId?: string; bytesDone?: number; bytesTotal?: number; speedBps?: number; direction?: string; message?: string; state?: string };
}

/** One message from the server. */
export type LiveMessage =
  | { type: "snapshot"; cursor: number; machines: Machine[] }
  | ({ type: "report"; status: MachineStatus } & LiveReport)
  | { type: "changes"; cursor: number; events: { type: string; payload?: unknown }[] }
  | { type: "changed"; cursor: number }
  | { type: "ping" };

/** Whether the socket is open. */
export const liveState = store<"connecting" | "open" | "reconnecting" | "closed">("closed");
/** The machines as last told by the socket (null before the first snapshot). */
export const liveMachines = store<Machine[] | null>(null);

const listeners = new Set<(message: LiveMessage) => void>();
let socket: WebSocket | undefined;
let retry: ReturnType<typeof setTimeout> | undefined;
let delay = 1000;
let wanted = false;

/**
 * Calls `listener` for every message of the feed.
 * @param listener The callback.
 * @returns The unsubscribe.
 */
export function onLive(listener: (message: LiveMessage) => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

function apply(message: LiveMessage): void {
  if (message.type === "snapshot") liveMachines.set(message.machines);
  if (message.type === "report") {
    const machines = liveMachines.get();
    if (machines) liveMachines.set(machines.map((m) => (m.id === message.machineId ? { ...m, status: message.status, lastSeenAt: message.ts } : m)));
  }
}

function open(): void {
  const url = new URL("/ws/dashboard", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  liveState.set(liveState.get() === "closed" ? "connecting" : "reconnecting");
  const ws = new WebSocket(url, ["syncagent.v1"]);
  socket = ws;
  ws.onopen = () => {
    delay = 1000;
    liveState.set("open");
  };
  ws.onmessage = (event) => {
    let message: LiveMessage;
    try {
      message = JSON.parse(String(event.data)) as LiveMessage;
    } catch {
      return;
    }
    if (message.type === "ping") return ws.send(JSON.stringify({ type: "pong" }));
    apply(message);
    for (const listener of [...listeners]) listener(message);
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = undefined;
    if (!wanted) return liveState.set("closed");
    // 4401: the session ended, or now acts on another vault: ask the server which.
    if (event.code === 4401) void loadSession().catch(() => undefined);
    liveState.set("reconnecting");
    retry = setTimeout(() => {
      retry = undefined;
      open();
    }, delay);
    delay = Math.min(delay * 2, 30_000);
  };
}

/** Opens the feed (after sign-in). */
export function startLive(): void {
  wanted = true;
  if (!socket && retry === undefined) open();
}

/** Closes the feed (on sign-out). */
export function stopLive(): void {
  wanted = false;
  clearTimeout(retry);
  retry = undefined;
  const ws = socket;
  socket = undefined;
  ws?.close();
  liveMachines.set(null);
  liveState.set("closed");
}
