/**
 * Authentication middleware: the contract every route uses (S3).
 *
 * - `Authorization: Bearer <machine token>` → a machine principal.
 * - The session cookie → a user principal. On POST/PUT/PATCH/DELETE the
 *   request must also carry the session's CSRF token in `X-CSRF-Token` and an
 *   Origin naming this server; otherwise 403.
 * - Nothing valid → 401. A machine token where a user is required → 403.
 *
 * Each sets `c.set("principal", …)` before calling the route.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Principal, ServerEnv } from "../principal.ts";
import type { AuthDeps } from "./deps.ts";
import { readSessionCookie } from "../sessions/cookies.ts";
import { HttpError } from "../http/errors.ts";
import { findMachineByToken, touchMachine } from "../machines/machines.ts";
import { originAllowed } from "./origin.ts";
import { constantTimeEqual } from "./secrets.ts";
import { csrfTokenFor, findSession, type SessionRecord } from "../sessions/sessions.ts";

/** Header carrying the CSRF token on state-changing cookie requests. */
export const CSRF_HEADER = "X-CSRF-Token";

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** How often a machine's `last_seen_at` is refreshed by its requests. */
const MACHINE_TOUCH_MS = 30_000;

function bearerToken(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? "";
}

/**
 * Checks CSRF token and Origin of a cookie-authenticated request.
 * @param c The request context.
 * @param deps Server dependencies.
 * @param sessionId The session id from the cookie.
 * @throws HTTPException 403 when either is missing or wrong.
 */
export function checkCsrf(c: Context, deps: AuthDeps, sessionId: string): void {
  const host = c.req.header("host");
  if (!originAllowed(c.req.header("origin"), host, deps.web.secureCookies, deps.web.extraOrigins)) {
    throw new HttpError(403, "origin_refused", "Request origin is missing or not this server");
  }
  const presented = c.req.header(CSRF_HEADER) ?? "";
  if (!constantTimeEqual(presented, csrfTokenFor(sessionId))) {
    throw new HttpError(403, "csrf_failed", "CSRF token is missing or wrong");
  }
}

/** The outcome of authenticating a request. */
export type Authenticated =
  | { kind: "machine"; principal: Extract<Principal, { kind: "machine" }> }
  | { kind: "user"; principal: Extract<Principal, { kind: "user" }>; session: SessionRecord; sessionId: string };

/**
 * Authenticates a request by bearer token or session cookie. Does not check
 * CSRF (the middleware does, for state-changing methods).
 * @param c The request context.
 * @param deps Server dependencies.
 * @returns Who is calling.
 * @throws HTTPException 401 when neither proves anyone.
 */
export async function authenticate(c: Context, deps: AuthDeps): Promise<Authenticated> {
  const token = bearerToken(c);
  if (token !== undefined) {
    const machine = await findMachineByToken(deps.db, token);
    if (!machine) throw new HttpError(401, "invalid_token", "Machine token is invalid or revoked");
    const now = deps.now();
    if (machine.lastSeenAt === null || now - machine.lastSeenAt >= MACHINE_TOUCH_MS) void touchMachine(deps.db, machine.machineId, now);
    return {
      kind: "machine",
      principal: { kind: "machine", accountId: machine.accountId, vaultId: machine.vaultId, machineId: machine.machineId },
    };
  }
  const sessionId = readSessionCookie(c.req.header("cookie"), deps.web.secureCookies);
  if (sessionId) {
    const session = await findSession(deps.db, sessionId, deps.now(), deps.web);
    if (session) {
      return {
        kind: "user",
        session,
        sessionId,
        principal: {
          kind: "user",
          accountId: session.accountId,
          vaultId: session.vaultId,
          userId: session.userId,
          sessionId: session.idHash,
          isAdmin: session.isAdmin,
        },
      };
    }
  }
  throw new HttpError(401, "unauthenticated", "Log in or present a machine token");
}

/** Options of {@link requireAdmin}. */
export interface RequireAdminOptions {
  /**
   * Browser sessions must have re-entered the password within
   * `reauthWindowMs` (POST /api/auth/reauth): use for destructive actions
   * such as removing a machine or purging the trash. @default false
   */
  reauth?: boolean;
}

function guard(deps: AuthDeps, allowMachine: boolean, admin: RequireAdminOptions | null): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    const who = await authenticate(c, deps);
    if (who.kind === "machine") {
      if (!allowMachine) throw new HttpError(403, "machine_forbidden", "Machine tokens cannot do this; log in as the admin");
    } else {
      if (STATE_CHANGING.has(c.req.method)) checkCsrf(c, deps, who.sessionId);
      if (admin && !who.session.isAdmin) throw new HttpError(403, "admin_required", "Only the admin can do this");
      if (admin?.reauth) {
        const at = who.session.reauthAt;
        if (at === null || deps.now() - at > deps.web.reauthWindowMs) {
          throw new HttpError(403, "reauth_required", "Enter your password again to confirm (POST /api/auth/reauth)");
        }
      }
    }
    c.set("principal", who.principal);
    await next();
  };
}

/**
 * Lets machines (bearer token) and logged-in users (cookie) through.
 * @param deps Server dependencies.
 * @returns The middleware.
 */
export function requireMachineOrUser(deps: AuthDeps): MiddlewareHandler<ServerEnv> {
  return guard(deps, true, null);
}

/**
 * Lets only logged-in users (cookie) through; machine tokens get 403.
 * @param deps Server dependencies.
 * @returns The middleware.
 */
export function requireUser(deps: AuthDeps): MiddlewareHandler<ServerEnv> {
  return guard(deps, false, null);
}

/**
 * Lets only the logged-in admin through; machine tokens get 403, so a
 * stolen machine cannot purge, invite or remove machines.
 * @param deps Server dependencies.
 * @param options `reauth: true` for destructive actions.
 * @returns The middleware.
 */
export function requireAdmin(deps: AuthDeps, options: RequireAdminOptions = {}): MiddlewareHandler<ServerEnv> {
  return guard(deps, false, options);
}
