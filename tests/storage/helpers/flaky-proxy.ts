/**
 * An HTTP proxy in front of a real S3 server that fails the requests it is
 * told to fail (a 5xx answer, or a dropped connection) and forwards the
 * rest: a flaky network, for the retry tests.
 */
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";

/** How the proxy fails one request. */
export type Failure = "500" | "502" | "503" | "reset";

/** A running proxy. */
export interface FlakyProxy {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Fails the next requests, one failure each, in this order. */
  failNext(failures: Failure[]): void;
  /** Failures queued but not yet used. */
  failuresLeft(): number;
  /** Requests received so far. */
  requestCount(): number;
  /** Stops listening and drops open connections. */
  stop(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (random port) forwarding to `target`. */
export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const upstream = new URL(target);
  const queue: Failure[] = [];
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const failure = queue.shift();
    if (failure === "reset") {
      req.socket.destroy();
      return;
    }
    if (failure) {
      req.resume();
      res.writeHead(Number(failure), { "content-type": "text/plain" }).end("injected failure");
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    failNext: (failures) => queue.push(...failures),
    failuresLeft: () => queue.length,
    requestCount: () => requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
