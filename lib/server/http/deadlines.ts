/**
 * Connection deadlines: a request whose body never completes
 * must not hold its connection. The transport (lib/runtime/http/) bounds the
 * headers, the whole request and idle keep-alive connections; each request's
 * body is bounded by its route ({@link bodyDeadlineFor}): chunk uploads get
 * `uploadTimeoutMs`, every other body `bodyTimeoutMs`. Past the deadline the
 * connection is closed (under Node by this middleware, under Bun.serve by
 * the transport, which makes the deadline the request's idle bound). A
 * request with no credential at all may not declare a body larger than
 * {@link PRE_AUTH_BODY_LIMIT} (413 before any route runs).
 */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import type { IncomingMessage } from "node:http";
import type { ServerConfig } from "../config.ts";
import type { ServerEnv } from "../principal.ts";
import { tooLarge } from "./validate.ts";

/** Largest body a request without any credential may declare (the auth routes' own limit). */
export const PRE_AUTH_BODY_LIMIT = 8 * 1024;

/** The deadlines a server applies. */
export type DeadlineConfig = Pick<ServerConfig, "headersTimeoutMs" | "bodyTimeoutMs" | "uploadTimeoutMs" | "idleTimeoutMs">;

/**
 * How long a request's body may take to arrive: chunk uploads
 * (`PUT /api/chunks/:id`) get the upload deadline, everything else the body
 * deadline.
 * @param method The request method.
 * @param path The request path.
 * @param config The deadlines.
 * @returns Milliseconds.
 */
export function bodyDeadlineFor(method: string, path: string, config: DeadlineConfig): number {
  const upload = (method === "PUT" && path.startsWith("/api/chunks/")) || (method === "POST" && path === "/api/chunks/batch");
  return upload ? config.uploadTimeoutMs : config.bodyTimeoutMs;
}

function hasCredential(cookie: string | undefined, authorization: string | undefined): boolean {
  return Boolean(authorization) || Boolean(cookie && /syncagent_session=/.test(cookie));
}

/**
 * Bounds the body of every request: a credential-less request declaring
 * more than {@link PRE_AUTH_BODY_LIMIT} is 413, and a body that has not
 * arrived by its deadline ({@link bodyDeadlineFor}) closes the connection.
 * Without the Node server (no `c.env.incoming`) only the size rule applies
 * here; the transport bounds the rest.
 * @param config The deadlines.
 * @param logger Where a closed connection is noted (info).
 * @returns The middleware.
 */
export function bodyDeadlines(config: DeadlineConfig, logger: Logger): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD") {
      const declared = Number(c.req.header("content-length") ?? "0");
      if (declared > PRE_AUTH_BODY_LIMIT && !hasCredential(c.req.header("cookie"), c.req.header("authorization"))) {
        c.header("Connection", "close");
        throw tooLarge(PRE_AUTH_BODY_LIMIT);
      }
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      if (incoming && !incoming.complete) {
        const path = new URL(c.req.url).pathname;
        const ms = bodyDeadlineFor(method, path, config);
        const timer = setTimeout(() => {
          if (incoming.complete) return;
          logger.info({ requestId: c.get("requestId"), method, path, deadlineMs: ms }, "request body deadline passed; connection closed");
          incoming.socket.destroy();
        }, ms);
        timer.unref();
        const clear = (): void => clearTimeout(timer);
        incoming.once("end", clear);
        incoming.once("close", clear);
      }
    }
    await next();
  };
}
