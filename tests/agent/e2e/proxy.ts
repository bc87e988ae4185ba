/**
 * A real HTTP hop between an agent and the server, for fault injection: it
 * forwards every request (and WebSocket upgrades, byte for byte), counts
 * the bytes agents send through it, and can rewrite answers of chosen paths.
 */
import { request, type IncomingMessage } from "node:http";
import { listenHop, rewrittenHeaders } from "../../helpers/hop.ts";

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
  const proxy: TestProxy = {
    url: "",
    sentBytes: 0,
    rewrite: null,
    down: false,
    cut: () => undefined,
    close: () => Promise.resolve(),
  };
  const hop = await listenHop(
    target,
    (req, res) => {
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
              res.writeHead(answer.statusCode ?? 502, rewrittenHeaders(answer.headers, body.length));
              res.end(body);
            });
          });
        },
      );
      out.on("error", () => res.destroy());
      req.on("data", (p: Buffer) => void (proxy.sentBytes += p.length));
      req.pipe(out);
    },
    () => (proxy.down ? null : {}),
  );
  proxy.url = hop.url;
  proxy.cut = hop.cut;
  proxy.close = hop.close;
  return proxy;
}
