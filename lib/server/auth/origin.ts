/**
 * Origin rules, as pure functions: which Origin a cookie-authenticated
 * request may come from (CSRF and cross-site WebSocket defence). The Host
 * header itself is checked app-wide (lib/server/http/security.ts) before
 * it is trusted here.
 */


/**
 * Whether an Origin header names this server: the request's own origin
 * (scheme decided by `secure`, host from the already-checked Host header)
 * or one of the configured extra origins. `null` and absent never match.
 * @param origin The Origin header.
 * @param host The Host header.
 * @param secure Whether the server is reached over https.
 * @param extra Other accepted origins.
 * @returns True when the origin is ours.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, secure: boolean, extra: readonly string[]): boolean {
  if (!origin || origin === "null") return false;
  const normalised = origin.trim().toLowerCase();
  if (host && normalised === `${secure ? "https" : "http"}://${host.trim().toLowerCase()}`) return true;
  return extra.some((o) => o.toLowerCase() === normalised);
}

/**
 * The origin (`scheme://host[:port]`) of a URL.
 * @param url An absolute URL.
 * @returns Its origin.
 */
export function originOf(url: string): string {
  return new URL(url).origin;
}
