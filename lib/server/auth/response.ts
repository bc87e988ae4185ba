/** Response and request bounds shared by the auth routes. */
import type { MiddlewareHandler } from "hono";
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
