/**
 * Who opens a WebSocket. Agents present their machine token in the
 * `Authorization: Bearer` header or, where the client cannot set headers
 * (browsers, Deno and Bun's standard WebSocket), as a subprotocol
 * `bearer.<token>` after `syncagent.v1`, which the server selects; a token
 * in the URL is never read (URLs end up in logs). Browsers are
 * authenticated by their session cookie and must come from our Origin.
 */
import type { Context } from "hono";
import type { AuthDeps } from "../auth/deps.ts";
import { readSessionCookie } from "../sessions/cookies.ts";
import { findMachineByToken, type MachineIdentity } from "../machines/machines.ts";
import { originAllowed } from "../auth/origin.ts";
import { findSession, type SessionRecord } from "../sessions/sessions.ts";
import { HttpError } from "../http/errors.ts";

/** The subprotocol every SyncAgent socket speaks. */
export const WS_PROTOCOL = "syncagent.v1";

/** Prefix of the subprotocol entry that carries a machine token. */
export const BEARER_PROTOCOL_PREFIX = "bearer.";

/**
 * Reads and checks the offered subprotocols: when any are offered the
 * first must be {@link WS_PROTOCOL}, so the server's choice (the first)
 * never echoes a token back.
 * @param c The upgrade request.
 * @returns The offered protocols.
 * @throws HttpError 400 when the list does not start with `syncagent.v1`.
 */
export function offeredProtocols(c: Context): string[] {
  const header = c.req.header("sec-websocket-protocol");
  if (!header) return [];
  const list = header.split(",").map((p) => p.trim()).filter(Boolean);
  if (list[0] !== WS_PROTOCOL) throw new HttpError(400, "bad_protocol", `List ${WS_PROTOCOL} first in Sec-WebSocket-Protocol`);
  return list;
}

function refuseForeignOrigin(c: Context, deps: AuthDeps, required: boolean): void {
  const origin = c.req.header("origin");
  if (origin === undefined && !required) return;
  if (!originAllowed(origin, c.req.header("host"), deps.web.secureCookies, deps.web.extraOrigins)) {
    throw new HttpError(403, "origin_refused", "WebSocket origin is missing or not this server");
  }
}

/**
 * Authenticates an agent socket.
 * @param c The upgrade request.
 * @param deps Server dependencies.
 * @returns The machine and its token (kept to re-check on heartbeats).
 * @throws HttpError 401 without a valid token, 403 from a foreign Origin.
 */
export async function authenticateMachineSocket(c: Context, deps: AuthDeps): Promise<{ machine: MachineIdentity; token: string }> {
  refuseForeignOrigin(c, deps, false);
  const protocols = offeredProtocols(c);
  const header = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
  const fromProtocol = protocols.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX))?.slice(BEARER_PROTOCOL_PREFIX.length);
  const token = header ?? fromProtocol;
  const machine = token ? await findMachineByToken(deps.db, token) : null;
  if (!machine || !token) throw new HttpError(401, "invalid_token", "Machine token is missing, invalid or revoked");
  return { machine, token };
}

/**
 * Authenticates a dashboard socket: session cookie and our Origin.
 * @param c The upgrade request.
 * @param deps Server dependencies.
 * @returns The session and its id (kept to re-check on heartbeats).
 * @throws HttpError 401 without a live session, 403 from a foreign or missing Origin.
 */
export async function authenticateBrowserSocket(c: Context, deps: AuthDeps): Promise<{ session: SessionRecord; sessionId: string }> {
  refuseForeignOrigin(c, deps, true);
  offeredProtocols(c);
  const sessionId = readSessionCookie(c.req.header("cookie"), deps.web.secureCookies);
  const session = sessionId ? await findSession(deps.db, sessionId, deps.now(), deps.web) : null;
  if (!session || !sessionId) throw new HttpError(401, "unauthenticated", "Log in first");
  return { session, sessionId };
}
