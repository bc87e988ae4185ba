/**
 * A bare WebSocket server (the `ws` package) for protocol tests: it records
 * each connection's URL and subprotocols and every message it receives.
 */
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket as WsSocket } from "ws";

/** A running peer. */
export interface Peer {
  url: string;
  sockets: WsSocket[];
  requests: { url: string; protocols: string; at: number }[];
  received: unknown[];
  /** When each message of `received` arrived (ms). */
  receivedAt: number[];
  /** Called for every message received (answer it here). */
  onMessage?: (ws: WsSocket, message: Record<string, unknown>) => void;
  close(): Promise<void>;
}

/**
 * Starts a peer on 127.0.0.1, random port.
 * @returns The peer; `url` is its http:// base URL.
 */
export async function peer(): Promise<Peer> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const p: Peer = {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    sockets: [],
    requests: [],
    received: [],
    receivedAt: [],
    close: () => {
      for (const s of p.sockets) s.terminate();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
  wss.on("connection", (ws, req) => {
    p.sockets.push(ws);
    p.requests.push({ url: req.url ?? "", protocols: String(req.headers["sec-websocket-protocol"]), at: Date.now() });
    ws.on("message", (data: Buffer) => {
      const message = JSON.parse(data.toString("utf8")) as Record<string, unknown>;
      p.received.push(message);
      p.receivedAt.push(Date.now());
      p.onMessage?.(ws, message);
    });
  });
  return p;
}
