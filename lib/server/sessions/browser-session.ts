/**
 * Helpers shared by the setup and login routes: the Origin rule for
 * requests that may come from scripts, and starting a session (cookie +
 * CSRF token).
 */
import type { Context } from "hono";
import { HttpError } from "../http/errors.ts";
import { readSessionCookie, sessionCookie } from "./cookies.ts";
import type { AuthDeps } from "../auth/deps.ts";
import { originAllowed } from "../auth/origin.ts";
import { createSession } from "./sessions.ts";

/** The answer of a login or setup. */
export interface SessionAnswer {
  csrfToken: string;
  expiresAt: number;
  user: { id: string; username: string; isAdmin: boolean };
  /** The vault the session acts on. */
  vaultId: string;
}

/**
 * Refuses a foreign Origin. Login and setup may come from scripts, which
 * send no Origin; a browser's Origin must be ours (login CSRF).
 * @param c The request.
 * @param deps Server dependencies.
 * @throws HttpError 403.
 */
export function refuseForeignOrigin(c: Context, deps: AuthDeps): void {
  const origin = c.req.header("origin");
  if (origin !== undefined && !originAllowed(origin, c.req.header("host"), deps.web.secureCookies, deps.web.extraOrigins)) {
    throw new HttpError(403, "origin_refused", "Request origin is not this server");
  }
}

/**
 * Starts a session for a user, replacing the one the browser presented,
 * and sets the cookie on the answer.
 * @param c The request.
 * @param deps Server dependencies.
 * @param user Who logged in, and the vault the session will act on.
 * @returns The CSRF token, expiry, user and vault to answer with.
 */
export async function startSession(
  c: Context,
  deps: AuthDeps,
  user: { id: string; accountId: string; vaultId: string; username: string; isAdmin: boolean },
): Promise<SessionAnswer> {
  const previous = readSessionCookie(c.req.header("cookie"), deps.web.secureCookies);
  const session = await createSession(deps.db, { accountId: user.accountId, userId: user.id, vaultId: user.vaultId }, deps.now(), deps.web, previous);
  c.header("Set-Cookie", sessionCookie(session.sessionId, deps.web.secureCookies));
  return {
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
    user: { id: user.id, username: user.username, isAdmin: user.isAdmin },
    vaultId: user.vaultId,
  };
}
