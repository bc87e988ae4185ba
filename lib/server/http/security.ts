/**
 * Response hardening and the Host allowlist against DNS rebinding: a server
 * bound to loopback answers only requests addressed to a loopback name or to
 * a host listed in `allowedHosts`.
 */
import type { MiddlewareHandler } from "hono";
import type { ServerEnv } from "../principal.ts";
import { isLoopback } from "./loopback.ts";
import { HttpError } from "./errors.ts";

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * Whether a `Host` header may reach a server bound to `bindHost`.
 * @param hostHeader The request's Host header (may carry a port).
 * @param bindHost The listening address.
 * @param allowed Extra accepted host names.
 * @returns True when the request may proceed.
 */
export function isHostAllowed(hostHeader: string | undefined, bindHost: string, allowed: readonly string[]): boolean {
  if (!isLoopback(bindHost)) return true;
  if (!hostHeader) return false;
  const name = hostHeader.startsWith("[") ? hostHeader.slice(0, hostHeader.indexOf("]") + 1) : hostHeader.split(":")[0] ?? "";
  const lower = name.toLowerCase();
  return LOOPBACK_NAMES.has(lower) || allowed.some((a) => a.toLowerCase() === lower);
}

/**
 * The host names a loopback-bound server accepts besides loopback names:
 * the configured ones and the host of the public URL (a reverse proxy that
 * forwards `Host` sends that one).
 * @param allowedHosts Configured extra names.
 * @param publicUrl The URL users reach the server at, if set.
 * @returns The accepted names.
 */
export function acceptedHosts(allowedHosts: readonly string[], publicUrl: string | undefined): string[] {
  const names = [...allowedHosts];
  if (publicUrl) names.push(new URL(publicUrl).hostname);
  return names;
}

/**
 * Whether a request names one host only: a single `Host` header, and an
 * absolute-form target (`GET http://host/path`) naming that same host. A
 * request that names two hosts is refused whatever the listen address: the
 * Host allowlist and the Origin check would otherwise look at one and the
 * routes at the other.
 * @param hostHeader The Host header as the runtime joined it.
 * @param rawHeaders Node's raw header list (name, value, …), when available.
 * @param target The request target: Node's raw one (`/path` or absolute
 *   form), else the URL the runtime built from the request.
 * @returns A reason to refuse, or null.
 */
export function hostFormProblem(hostHeader: string | undefined, rawHeaders: readonly string[] | undefined, target: string): string | null {
  if (rawHeaders) {
    let hosts = 0;
    for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]?.toLowerCase() === "host") hosts++;
    if (hosts > 1) return "more than one Host header";
  }
  if (hostHeader === undefined || hostHeader === "") return "no Host header";
  if (hostHeader.includes(",")) return "more than one Host header";
  let named: string;
  try {
    named = new URL(`http://${hostHeader}`).host;
  } catch {
    return "a malformed Host header";
  }
  if (!/^https?:\/\//i.test(target)) return null;
  let targetHost: string;
  try {
    targetHost = new URL(`http://${new URL(target).host}`).host;
  } catch {
    return "a malformed request target";
  }
  return named === targetHost ? null : "a request target naming another host than the Host header";
}

/**
 * Security headers on every answer, and the Host checks: one host named
 * ({@link hostFormProblem}, else 400), and on loopback the allowlist (421).
 * @param bindHost The listening address.
 * @param allowedHosts Extra accepted host names (see `acceptedHosts`).
 * @returns The middleware.
 */
export function securityHeaders(bindHost: string, allowedHosts: readonly string[]): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    const incoming = (c.env as { incoming?: { rawHeaders?: string[]; url?: string } } | undefined)?.incoming;
    const problem = hostFormProblem(c.req.header("host"), incoming?.rawHeaders, incoming?.url ?? c.req.url);
    if (problem) throw new HttpError(400, "bad_host", `Refused: ${problem}`);
    if (!isHostAllowed(c.req.header("host"), bindHost, allowedHosts)) {
      throw new HttpError(421, "host_not_allowed", "Host not allowed: add it to allowedHosts (SYNCAGENT_ALLOWED_HOSTS)");
    }
    // Set before the handler runs: the response is then built with them (a
    // route may replace the CSP), and never re-materialised afterwards.
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Frame-Options", "DENY");
    // 'wasm-unsafe-eval': the dashboard derives the key-file KEK with Argon2id in WebAssembly.
    c.header(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    await next();
  };
}
