/**
 * Per-request plumbing: a request id (taken from a well-formed
 * `X-Request-Id` header or generated, echoed in the answer), one access log
 * line per request with secrets stripped (`aborted: true` when the client
 * went away mid-request), and HTTP metrics.
 */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import type { ServerEnv } from "../principal.ts";
import type { Metrics } from "../metrics.ts";
import { redactUrl } from "../logger.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Creates the request-id and access-log middleware.
 * @param logger The server log.
 * @param metrics Where request counts go.
 * @returns The middleware.
 */
export function requestContext(logger: Logger, metrics: Metrics): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    const start = performance.now();
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", requestId);
    c.header("X-Request-Id", requestId);
    await next();
    const ms = performance.now() - start;
    const url = new URL(c.req.url);
    const principal = c.var.principal as ServerEnv["Variables"]["principal"] | undefined;
    const aborted = c.var.aborted === true;
    metrics.observe(`http ${c.req.method}`, ms, c.res.status < 500);
    // A client that went away is one info line (`aborted: true`), never an error with a stack.
    logger.info(
      {
        requestId,
        method: c.req.method,
        path: redactUrl(url.pathname + url.search),
        status: c.res.status,
        ms: Math.round(ms * 10) / 10,
        actor: principal ? (principal.kind === "machine" ? `machine:${principal.machineId}` : `user:${principal.userId}`) : undefined,
        ...(aborted ? { aborted: true } : {}),
      },
      "request",
    );
  };
}
