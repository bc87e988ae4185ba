/**
 * What the auth and WebSocket code needs from the server context. The
 * server's `ServerContext` (lib/server/app.ts) is a superset of this, so
 * these modules never import the composition root.
 */
import type { Client } from "@libsql/client";
import type { Logger } from "pino";
import { join } from "node:path";
import type { ServerContext } from "../context.ts";
import { isLoopback } from "../http/loopback.ts";
import { WorkLimiter } from "../accounts/work-limiter.ts";

/** Web-side security settings, decided by the server configuration. */
export interface WebSecurity {
  /**
   * Cookies carry `Secure` and the `__Host-` name prefix. True whenever the
   * server serves TLS or its public URL is `https://…`; false only for plain
   * http on loopback, where browsers would drop a Secure cookie.
   */
  secureCookies: boolean;
  /** Origins (scheme://host[:port]) accepted for cookie-authenticated requests besides the request's own. */
  extraOrigins: readonly string[];
  /** A session ends after this long without a request. @default 30 min */
  sessionIdleMs: number;
  /** A session ends this long after login whatever happens. @default 12 h */
  sessionMaxMs: number;
  /** A password re-entry authorises destructive actions for this long. @default 5 min */
  reauthWindowMs: number;
  /**
   * Failed logins per account name FROM ONE client address that cost no
   * wait; past them each failure doubles the wait before that address may
   * try that name again (`loginDelayBaseMs`, 2×, 4× …, at most
   * `loginDelayMaxMs`), 429 meanwhile. Nobody is locked out: the right
   * password gets in once the wait is over. @default 1 (waits 0, 1, 2, 4 … s)
   */
  loginFailuresPerAccount: number;
  /** Failed logins per client address (all names together) that cost no wait; then the same growing waits. @default 20 */
  loginFailuresPerIp: number;
  /** The first wait after the free failures. @default 1 s */
  loginDelayBaseMs: number;
  /** The longest wait between two attempts. @default 60 s */
  loginDelayMaxMs: number;
  /**
   * Ceiling of failed logins per account name from all addresses together
   * per window, against guessing spread over many addresses. Reaching it
   * locks the name out everywhere until the window ends, so it is high.
   * @default 100
   */
  loginFailuresPerAccountCeiling: number;
  /** A throttle count is forgotten this long after its last failure; the ceiling's lockout lasts this long. @default 15 min */
  loginWindowMs: number;
  /** Invitation lifetime. @default 24 h */
  invitationTtlMs: number;
}

/** Defaults for {@link WebSecurity}; {@link authDepsFrom} decides `secureCookies` and `extraOrigins` from the config. */
export const DEFAULT_WEB_SECURITY: WebSecurity = {
  secureCookies: true,
  extraOrigins: [],
  sessionIdleMs: 30 * 60_000,
  sessionMaxMs: 12 * 3_600_000,
  reauthWindowMs: 5 * 60_000,
  loginFailuresPerAccount: 1,
  loginFailuresPerIp: 20,
  loginDelayBaseMs: 1_000,
  loginDelayMaxMs: 60_000,
  loginFailuresPerAccountCeiling: 100,
  loginWindowMs: 15 * 60_000,
  invitationTtlMs: 24 * 3_600_000,
};

/** The part of the server context the auth routes and middleware use. */
export interface AuthDeps {
  /** Metadata database (already migrated). */
  db: Client;
  /** The clock, in ms since the epoch; tests inject one to expire invitations and sessions. */
  now: () => number;
  /** Structured logger; secrets are never passed to it. */
  log: Logger;
  /** Web-side security settings. */
  web: WebSecurity;
  /** Tells this process's hub that a transaction appended events, so subscribers hear at once. */
  notifyCommit: () => void;
  /**
   * File holding the setup token, required by `POST /api/setup` while no
   * admin exists; null when the server listens on loopback only.
   */
  setupTokenFile: string | null;
  /** Bounds the Argon2id checks running and waiting at once (503 `busy` past it). */
  passwordWork: WorkLimiter;
  /** Load balancers whose `X-Forwarded-For` names the client (login throttling by address). */
  trustedProxies: readonly string[];
}

/**
 * Optional members of the server context that the auth side reads: an
 * injected clock (tests expire invitations without waiting) and overrides
 * of the web security settings. Absent in production: the real clock and
 * the defaults apply.
 */
export interface AuthContextExtras {
  now?: () => number;
  web?: Partial<WebSecurity>;
}

/**
 * Derives the auth dependencies from the server context. Cookies are Secure
 * (and `__Host-` prefixed) when the server serves TLS or its public URL is
 * https; the public URL's origin is accepted as a request Origin.
 * @param ctx The server context (with optional extras).
 * @param notifyCommit Wakes the WebSocket hub after a commit.
 * @returns The dependencies.
 */
export function authDepsFrom(ctx: ServerContext & AuthContextExtras, notifyCommit: () => void): AuthDeps {
  const publicUrl = ctx.config.publicUrl;
  const tls = Boolean(ctx.config.tlsCertFile && ctx.config.tlsKeyFile);
  const secureCookies = tls || Boolean(publicUrl?.startsWith("https://"));
  const extraOrigins = publicUrl ? [new URL(publicUrl).origin] : [];
  return {
    db: ctx.db,
    now: ctx.now ?? Date.now,
    log: ctx.logger,
    web: { ...DEFAULT_WEB_SECURITY, secureCookies, extraOrigins, ...ctx.web },
    notifyCommit,
    setupTokenFile: isLoopback(ctx.config.host) ? null : join(ctx.config.dataDir, "setup-token"),
    passwordWork: new WorkLimiter(ctx.config.passwordHashConcurrency, ctx.config.passwordHashQueue),
    trustedProxies: ctx.config.trustedProxies,
  };
}
