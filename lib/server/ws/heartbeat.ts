/**
 * Heartbeat probes for one socket. Where the transport's socket speaks the
 * protocol-level ping (the `ws` package under Node, Bun.serve's sockets
 * under Bun: browsers and `ws` clients answer pongs by themselves) that is
 * used; elsewhere the probe is an application message `{"type":"ping"}`
 * that clients answer with `{"type":"pong"}`. Any message from the peer also counts as alive.
 */
import type { WSContext } from "hono/ws";

interface PingableSocket {
  ping(): void;
  terminate?: () => void;
  on(event: "pong", listener: () => void): void;
  bufferedAmount?: number;
}

function pingable(raw: unknown): PingableSocket | null {
  const candidate = raw as Partial<PingableSocket> | null | undefined;
  return candidate && typeof candidate.ping === "function" && typeof candidate.on === "function" ? (candidate as PingableSocket) : null;
}

/**
 * Sets up heartbeats on a socket.
 * @param ws The socket.
 * @param alive Called whenever the peer proves alive.
 * @returns `ping` sends a probe; `buffered` reads unsent bytes; `terminate` drops the socket.
 */
export function heartbeatFor(ws: WSContext, alive: () => void): { ping: () => void; buffered: () => number; terminate: (code: number, reason: string) => void } {
  const raw = pingable(ws.raw);
  if (raw) raw.on("pong", alive);
  return {
    ping: () => {
      try {
        if (raw) raw.ping();
        else ws.send(JSON.stringify({ type: "ping", ts: Date.now() }));
      } catch {
        // a closing socket; the next beat drops it
      }
    },
    buffered: () => raw?.bufferedAmount ?? 0,
    terminate: (code, reason) => {
      try {
        ws.close(code, reason);
      } catch {
        // already closed
      }
      if (raw?.terminate && code === 1001 && reason === "heartbeat timeout") raw.terminate();
    },
  };
}
