import type { Context } from "hono";
import { remoteAddressOf } from "../../runtime/http/connection.ts";

/**
 * One spelling per address: an IPv4 address mapped into IPv6
 * (`::ffff:10.0.0.5`, as a dual-stack socket reports it) reads as the IPv4
 * address, and IPv6 hex digits are lowercase.
 * @param address An address as a transport or a header gives it.
 * @returns The address to compare.
 */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(trimmed);
  return mapped?.[1] ?? trimmed;
}

/**
 * The client of a request that came through trusted proxies: walking
 * `X-Forwarded-For` from the right (each proxy appends the address it saw),
 * the first address that is not a trusted proxy. A client can write
 * anything in the header it sends, but not to the right of what our own
 * proxies append, so the walk stops at the first address they did not add.
 * @param remote The address the connection comes from.
 * @param forwardedFor The `X-Forwarded-For` header (undefined when absent).
 * @param trusted The trusted proxies' addresses, normalised.
 * @returns The client's address.
 */
export function forwardedClient(remote: string, forwardedFor: string | undefined, trusted: readonly string[]): string {
  let client = normalizeAddress(remote);
  if (!trusted.includes(client) || forwardedFor === undefined) return client;
  const hops = forwardedFor.split(",").map(normalizeAddress).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    client = hops[i] as string;
    if (!trusted.includes(client)) return client;
  }
  return client;
}

/**
 * The client's network address, for per-IP login throttling. Reads the
 * transport's connection (lib/runtime/http/connection.ts); a transport
 * that does not know it gives "unknown", so those requests share one
 * per-IP bucket (the per-account limit still applies). `X-Forwarded-For`
 * is read only on a connection from a trusted proxy (`--trusted-proxies`),
 * so behind a load balancer every client keeps a bucket of its own and
 * elsewhere nobody can pick their address.
 * @param c The request context.
 * @param trustedProxies The load balancers' addresses (normalised; empty: none).
 * @returns The address.
 */
export function clientAddress(c: Context, trustedProxies: readonly string[] = []): string {
  const remote = remoteAddressOf(c.env);
  if (remote === undefined) return "unknown";
  if (trustedProxies.length === 0) return remote;
  return forwardedClient(remote, c.req.header("x-forwarded-for"), trustedProxies);
}
