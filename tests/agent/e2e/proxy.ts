/**
 * A real HTTP hop between an agent and the server, for fault injection: it
 * forwards every request (and WebSocket upgrades, byte for byte), counts
 * the bytes agents send through it, and can rewrite answers of chosen paths.
 */
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

/** Rewrites a buffered answer; returns the new body (or the same). */
export type AnswerRewrite = (path: string, body: Buffer) => Buffer | Promise<Buffer>;

/** A running proxy. */
export interface TestProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Request bytes (headers excluded) sent upstream through the proxy since the last reset. */
  sentBytes: number;
  /** Answers of paths this matches are buffered and passed to `rewrite`. */
  rewrite: { match: (path: string) => boolean; apply: AnswerRewrite } | null;
  /** Makes every new request fail (the connection is dropped) while true. */
  down: boolean;
  /** Drops every open connection now: requests in flight and WebSockets (a network cut). */
  cut(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 in front of `target`.
 * @param target The server's URL.
 * @returns The proxy.
 */
export async function startProxy(target: string): Promise<TestProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: TestProxy = {
    url: "",
    sentBytes: 0,
    rewrite: null,
    down: false,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((req, res) => {
    if (proxy.down) {
      req.socket.destroy();
      return;
    }
    const path = req.url ?? "/";
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers },
      (answer: IncomingMessage) => {
        const rule = proxy.rewrite;
        if (!rule || !rule.match(path)) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const parts: Buffer[] = [];
        answer.on("data", (p: Buffer) => parts.push(p));
        answer.on("end", () => {
          void Promise.resolve(rule.apply(path, Buffer.concat(parts))).then((body) => {
            const headers = { ...answer.headers, "content-length": String(body.length) };
            delete headers["transfer-encoding"];
            delete headers["content-encoding"];
            res.writeHead(answer.statusCode ?? 502, headers);
            res.end(body);
          });
        });
      },
    );
    out.on("error", () => res.destroy());
    req.on("data", (p: Buffer) => void (proxy.sentBytes += p.length));
    req.pipe(out);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (proxy.down) {
      socket.destroy();
      return;
    }
    const up = connect(Number(upstream.port), upstream.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join("\r\n") + "\r\n\r\n");
      if (head.length > 0) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    sockets.add(up);
    up.on("close", () => {
      sockets.delete(up);
      socket.destroy();
    });
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
    socket.on("close", () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
