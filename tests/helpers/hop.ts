/**
 * The connection handling of the test proxies (the fault proxy of the agent
 * tests, the hostile server): a real HTTP server on 127.0.0.1 that tracks
 * every socket so a test can cut them all, and tunnels WebSocket upgrades
 * to the real server byte for byte.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type RequestListener } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

/** A listening hop. */
export interface Hop {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Drops every open connection now (requests in flight and WebSockets). */
  cut: () => void;
  /** Drops every connection and stops listening. */
  close: () => Promise<void>;
}

/** How an upgrade is tunnelled. */
export interface TunnelOptions {
  /** Request headers (lowercase name) left out of the upstream handshake. */
  dropHeader?: (name: string) => boolean;
  /** Carries the server's bytes to the agent's socket once connected (default: piped as they come). */
  forward?: (up: Socket, socket: Socket) => void;
  /** Called when the agent's socket closes. */
  onClose?: (socket: Socket) => void;
}

/** Sockets of one hop, cut together. */
class SocketSet {
  readonly #all = new Set<Socket>();

  add(s: Socket): void {
    this.#all.add(s);
    s.on("close", () => this.#all.delete(s));
  }

  destroyAll(): void {
    for (const s of this.#all) s.destroy();
  }
}

/**
 * Starts a hop in front of `target`.
 * @param target The real server's URL (upgrades are tunnelled there).
 * @param onRequest Handles plain HTTP requests.
 * @param onUpgrade Decides about an upgrade: returns the tunnel's options, or null to drop the connection.
 * @returns The hop, listening.
 */
export async function listenHop(
  target: string,
  onRequest: RequestListener,
  onUpgrade: (req: IncomingMessage) => TunnelOptions | null,
): Promise<Hop> {
  const upstream = new URL(target);
  const sockets = new SocketSet();
  const server = createServer(onRequest);
  server.on("connection", (s: Socket) => sockets.add(s));
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const options = onUpgrade(req);
    if (options === null) {
      socket.destroy();
      return;
    }
    const up = connect(Number(upstream.port), upstream.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!;
        if (options.dropHeader?.(name.toLowerCase())) continue;
        lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
      }
      up.write(lines.join("\r\n") + "\r\n\r\n");
      if (head.length > 0) up.write(head);
      if (options.forward) options.forward(up, socket);
      else up.pipe(socket);
      socket.pipe(up);
    });
    sockets.add(up);
    up.on("close", () => socket.destroy());
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
    socket.on("close", () => {
      options.onClose?.(socket);
      up.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => sockets.destroyAll(),
    close: () =>
      new Promise<void>((resolve) => {
        sockets.destroyAll();
        server.close(() => resolve());
      }),
  };
}

/**
 * An answer's headers for a body the proxy rewrote: its new length, and no
 * transfer or content encoding (the body is sent whole and plain).
 * @param headers The server's headers.
 * @param length The new body's length.
 * @returns Headers to send.
 */
export function rewrittenHeaders(headers: IncomingHttpHeaders, length: number): IncomingHttpHeaders {
  const out = { ...headers, "content-length": String(length) };
  delete out["transfer-encoding"];
  delete out["content-encoding"];
  return out;
}
