/**
 * Browser sessions (S3, W1): `POST /api/auth/login`, `POST /api/auth/logout`,
 * `GET /api/auth/session`, `POST /api/auth/vault`, `POST /api/auth/reauth`.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { ServerEnv } from "../principal.ts";
import { findUserById, findUserByName, isVaultMember } from "../accounts/accounts.ts";
import { refuseForeignOrigin, startSession } from "./browser-session.ts";
import { clientAddress } from "../auth/client-address.ts";
import { clearedSessionCookie, readSessionCookie } from "./cookies.ts";
import type { AuthDeps } from "../auth/deps.ts";
import { HttpError } from "../http/errors.ts";
import { readJson } from "../http/validate.ts";
import { authenticate, checkCsrf, requireUser } from "../auth/middleware.ts";
import { MAX_PASSWORD_LENGTH, verifyAgainstDummy, verifyPassword } from "../accounts/password.ts";
import { csrfTokenFor, endSession, markReauthenticated, switchSessionVault } from "./sessions.ts";
import { forgiveAttempt, reserveAttempt, type ThrottleKey } from "../accounts/throttle.ts";
import { AUTH_BODY_LIMIT, busy, noStore } from "../auth/response.ts";

const loginBody = z.object({ username: z.string().max(64), password: z.string().max(MAX_PASSWORD_LENGTH) });
const reauthBody = z.object({ password: z.string().max(MAX_PASSWORD_LENGTH) });
const vaultBody = z.object({ vaultId: z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lowercase hex characters") });

/**
 * The login throttle keys of an attempt (S3): the (account name,
 * address) pair and the address over all names slow guessing down with
 * growing waits; the name over all addresses has a high hard ceiling. The
 * pair key comes first: a success clears it.
 */
function throttleKeys(c: Context, deps: AuthDeps, username: string, accountId: string | null): ThrottleKey[] {
  const name = username.trim().toLowerCase();
  const address = clientAddress(c, deps.trustedProxies);
  const delay = (free: number): ThrottleKey["rule"] => ({
    kind: "delay",
    delay: { free, baseMs: deps.web.loginDelayBaseMs, maxMs: deps.web.loginDelayMaxMs },
  });
  return [
    { key: `user-ip:${name}@${address}`, rule: delay(deps.web.loginFailuresPerAccount), accountId },
    { key: `ip:${address}`, rule: delay(deps.web.loginFailuresPerIp), accountId: null },
    { key: `user:${name}`, rule: { kind: "ceiling", limit: deps.web.loginFailuresPerAccountCeiling }, accountId },
  ];
}

/** Reserves a password attempt or answers 429 with Retry-After. */
async function reserveOrRefuse(c: Context, deps: AuthDeps, keys: ThrottleKey[], now: number): Promise<void> {
  const wait = await reserveAttempt(deps.db, keys, now, deps.web.loginWindowMs);
  if (wait > 0) {
    c.header("Retry-After", String(wait));
    throw new HttpError(429, "too_many_attempts", "Too many failed attempts; try again later", { retryAfterSeconds: wait });
  }
}

/**
 * Runs a password check (Argon2id, 64 MiB) in one of the bounded slots
 *. With every slot and queue place taken the attempt is given
 * back to the throttle and answered 503 `busy` with Retry-After.
 */
async function checkPassword<T>(c: Context, deps: AuthDeps, keys: ThrottleKey[], check: () => Promise<T>): Promise<T> {
  const slot = deps.passwordWork.tryAcquire();
  if (!slot) {
    await forgiveAttempt(deps.db, [], keys.map((k) => k.key));
    throw busy(c);
  }
  const release = await slot;
  try {
    return await check();
  } finally {
    release();
  }
}

/**
 * The session routes.
 * @param deps Server dependencies.
 * @returns A Hono app to mount at `/`.
 */
export function sessionRoutes(deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();

  app.post("/api/auth/login", noStore(), async (c) => {
    refuseForeignOrigin(c, deps);
    const body = await readJson(c, loginBody, AUTH_BODY_LIMIT);
    const now = deps.now();
    const user = await findUserByName(deps.db, body.username);
    const keys = throttleKeys(c, deps, body.username, user?.accountId ?? null);
    await reserveOrRefuse(c, deps, keys, now);
    const ok = await checkPassword(c, deps, keys, async () => {
      if (user) return verifyPassword(body.password, user.passwordHash);
      await verifyAgainstDummy(body.password);
      return false;
    });
    if (!user || !ok) {
      deps.log.warn({ address: clientAddress(c, deps.trustedProxies) }, "login failed");
      throw new HttpError(401, "invalid_credentials", "User name or password is wrong");
    }
    await forgiveAttempt(deps.db, keys.slice(0, 1).map((k) => k.key), keys.slice(1).map((k) => k.key));
    deps.log.info({ userId: user.id }, "login");
    return c.json(await startSession(c, deps, user));
  });

  app.post("/api/auth/logout", async (c) => {
    const sessionId = readSessionCookie(c.req.header("cookie"), deps.web.secureCookies);
    if (sessionId) {
      checkCsrf(c, deps, sessionId);
      await endSession(deps.db, sessionId);
    }
    c.header("Set-Cookie", clearedSessionCookie(deps.web.secureCookies));
    return c.body(null, 204);
  });

  app.get("/api/auth/session", noStore(), requireUser(deps), async (c) => {
    const principal = c.get("principal");
    if (principal.kind !== "user") throw new HttpError(403, "machine_forbidden", "Not a browser session");
    const sessionId = readSessionCookie(c.req.header("cookie"), deps.web.secureCookies) ?? "";
    const user = await findUserById(deps.db, principal.userId);
    return c.json({
      csrfToken: csrfTokenFor(sessionId),
      user: { id: principal.userId, username: user?.username ?? "", isAdmin: principal.isAdmin },
      accountId: principal.accountId,
      vaultId: principal.vaultId,
    });
  });

  // Issue 13: a session acts on one vault; switch to another vault the account is a member of.
  app.post("/api/auth/vault", requireUser(deps), async (c) => {
    const principal = c.get("principal");
    if (principal.kind !== "user") throw new HttpError(403, "machine_forbidden", "Not a browser session");
    const body = await readJson(c, vaultBody, AUTH_BODY_LIMIT);
    if (!(await isVaultMember(deps.db, principal.accountId, body.vaultId))) throw new HttpError(404, "not_found", "No such vault for this account");
    await switchSessionVault(deps.db, principal.sessionId, body.vaultId);
    return c.json({ vaultId: body.vaultId });
  });

  app.post("/api/auth/reauth", async (c) => {
    const who = await authenticate(c, deps);
    if (who.kind !== "user") throw new HttpError(403, "machine_forbidden", "Machine tokens cannot re-authenticate");
    checkCsrf(c, deps, who.sessionId);
    const body = await readJson(c, reauthBody, AUTH_BODY_LIMIT);
    const now = deps.now();
    const user = await findUserById(deps.db, who.session.userId);
    const keys = throttleKeys(c, deps, who.session.username, who.session.accountId);
    await reserveOrRefuse(c, deps, keys, now);
    const ok = await checkPassword(c, deps, keys, async () => (user ? verifyPassword(body.password, user.passwordHash) : false));
    if (!user || !ok) throw new HttpError(401, "invalid_credentials", "Password is wrong");
    await forgiveAttempt(deps.db, keys.slice(0, 1).map((k) => k.key), keys.slice(1).map((k) => k.key));
    await markReauthenticated(deps.db, who.session.idHash, now);
    return c.json({ reauthenticatedUntil: now + deps.web.reauthWindowMs });
  });

  return app;
}
