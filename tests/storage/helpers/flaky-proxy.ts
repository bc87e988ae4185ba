/**
 * An HTTP proxy in front of a real S3 server that fails the requests it is
 * told to fail (a 5xx answer, a dropped connection, or a 200 answer carrying
 * an S3 `<Error>` document) and forwards the rest: a flaky network, for the
 * retry and multipart tests. It keeps a log of the requests it received.
 */
import { createServer, request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** How the proxy fails one request. */
export type Failure = "500" | "502" | "503" | "reset" | "error-in-200";

/** One request the proxy received, and how it was answered. */
export interface ProxiedRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  /** The status sent back (injected or forwarded), `reset` for a dropped connection, undefined while in flight. */
  status: number | "reset" | undefined;
  /** When the request arrived, on the proxy's event counter (arrivals and answers, from 1). */
  arrived: number;
  /** When it was answered (headers sent on, or connection dropped) on the same counter; undefined while in flight. */
  answered: number | undefined;
}

/** Which requests a failure rule applies to. */
export type RequestMatcher = (request: { method: string; url: string }) => boolean;

/** A running proxy. */
export interface FlakyProxy {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Fails the next requests, one failure each, in this order. */
  failNext(failures: Failure[]): void;
  /** Fails the next requests that `match`, one failure each, in this order (before any `failNext` failure). */
  failMatching(match: RequestMatcher, failures: Failure[]): void;
  /** Failures queued but not yet used. */
  failuresLeft(): number;
  /** Requests received so far. */
  requestCount(): number;
  /** Every request received so far, in arrival order. */
  requests(): ProxiedRequest[];
  /** Stops listening and drops open connections. */
  stop(): Promise<void>;
}

const ERROR_IN_200 =
  `<?xml version="1.0" encoding="UTF-8"?>\n\n` +
  `<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`;

/** Starts a proxy on 127.0.0.1 (random port) forwarding to `target`. */
export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const upstream = new URL(target);
  const queue: Failure[] = [];
  const rules: { match: RequestMatcher; failures: Failure[] }[] = [];
  const log: ProxiedRequest[] = [];
  let events = 0;
  const answer = (entry: ProxiedRequest, status: number | "reset"): void => {
    entry.status = status;
    entry.answered = ++events;
  };

  const nextFailure = (req: IncomingMessage): Failure | undefined => {
    const request = { method: req.method ?? "", url: req.url ?? "" };
    const rule = rules.find((candidate) => candidate.failures.length > 0 && candidate.match(request));
    return rule ? rule.failures.shift() : queue.shift();
  };

  const server = createServer((req, res) => {
    const entry: ProxiedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      status: undefined,
      arrived: ++events,
      answered: undefined,
    };
    log.push(entry);
    const failure = nextFailure(req);
    if (failure === "reset") {
      answer(entry, "reset");
      req.socket.destroy();
      return;
    }
    if (failure) {
      req.resume();
      const status = failure === "error-in-200" ? 200 : Number(failure);
      const body = failure === "error-in-200" ? ERROR_IN_200 : "injected failure";
      answer(entry, status);
      res.writeHead(status, { "content-type": failure === "error-in-200" ? "application/xml" : "text/plain" }).end(body);
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamAnswer) => {
        answer(entry, upstreamAnswer.statusCode ?? 502);
        res.writeHead(upstreamAnswer.statusCode ?? 502, upstreamAnswer.headers);
        upstreamAnswer.pipe(res);
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
    failMatching: (match, failures) => rules.push({ match, failures: [...failures] }),
    failuresLeft: () => queue.length + rules.reduce((sum, rule) => sum + rule.failures.length, 0),
    requestCount: () => log.length,
    requests: () => log.map((entry) => ({ ...entry })),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
