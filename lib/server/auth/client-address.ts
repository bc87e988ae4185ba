import type { Context } from "hono";
import { remoteAddressOf } from "../../runtime/http/connection.ts";

/**
 * The client's network address, for per-IP login throttling. Reads the
 * transport's connection (lib/runtime/http/connection.ts); a transport
 * that does not know it gives "unknown", so those requests share one
 * per-IP bucket (the per-account limit still applies). Forwarded headers
 * are not trusted.
 * @param c The request context.
 * @returns The address.
 */
export function clientAddress(c: Context): string {
  return remoteAddressOf(c.env) ?? "unknown";
}
