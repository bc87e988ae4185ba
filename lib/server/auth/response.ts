/** Response and request bounds shared by the auth routes. */
import type { Context, MiddlewareHandler } from "hono";
import { HttpError } from "../http/errors.ts";
import type { ServerEnv } from "../principal.ts";

/**
 * Marks an answer `Cache-Control: no-store`: for answers that carry a
 * secret (session, CSRF token, invitation code, machine token, key blob),
 * so no browser or proxy cache keeps a copy.
 * @returns The middleware.
 */
export function noStore(): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
  };
}

/**
 * Largest JSON body of the setup, login, re-authentication, registration and
 * rename routes (several are unauthenticated, so they must not buffer the
 * server-wide default).
 */
export const AUTH_BODY_LIMIT = 8 * 1024;

/** Seconds a `busy` answer asks the client to wait. */
export const BUSY_RETRY_AFTER_SECONDS = 1;

/**
 * The 503 `busy` answer for work refused under load (every password-hash
 * slot and queue place taken), with `Retry-After`.
 * @param c The request context (gets the header).
 * @returns The error to throw.
 */
export function busy(c: Context): HttpError {
  c.header("Retry-After", String(BUSY_RETRY_AFTER_SECONDS));
  return new HttpError(503, "busy", "The server is busy checking other passwords; retry shortly", { retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS });
}
