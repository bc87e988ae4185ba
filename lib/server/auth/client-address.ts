import type { Context } from "hono";

/**
 * The client's network address, for per-IP login throttling. Reads the
 * Node adapter's socket (`c.env.incoming`); other runtimes without it get
 * "unknown", so they share one per-IP bucket (the per-account limit still
 * applies). Forwarded headers are not trusted.
 * @param c The request context.
 * @returns The address.
 */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}
