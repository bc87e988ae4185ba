/**
 * The session cookie. With TLS (or an https public URL) it is
 * `__Host-syncagent_session`: Secure, HttpOnly, SameSite=Strict, Path=/, no
 * Domain, which browsers bind to this exact host. On plain
 * http://127.0.0.1 browsers refuse both `Secure` and the `__Host-` prefix,
 * so the cookie is `syncagent_session` with the same attributes minus
 * Secure; loopback traffic never leaves the machine, which is why that is
 * acceptable (docs/security-web.md).
 */

/** Cookie name when the server is reached over https. */
export const SECURE_COOKIE_NAME = "__Host-syncagent_session";

/** Cookie name on plain-http loopback. */
export const PLAIN_COOKIE_NAME = "syncagent_session";

/**
 * The session cookie's name.
 * @param secure Whether cookies are Secure.
 * @returns The name.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_COOKIE_NAME : PLAIN_COOKIE_NAME;
}

/**
 * A `Set-Cookie` value that stores the session id.
 * @param sessionId The id.
 * @param secure Whether cookies are Secure.
 * @returns The header value.
 */
export function sessionCookie(sessionId: string, secure: boolean): string {
  const attributes = ["Path=/", "HttpOnly", "SameSite=Strict"];
  if (secure) attributes.push("Secure");
  return `${sessionCookieName(secure)}=${sessionId}; ${attributes.join("; ")}`;
}

/**
 * A `Set-Cookie` value that deletes the session cookie.
 * @param secure Whether cookies are Secure.
 * @returns The header value.
 */
export function clearedSessionCookie(secure: boolean): string {
  const attributes = ["Path=/", "HttpOnly", "SameSite=Strict", "Max-Age=0"];
  if (secure) attributes.push("Secure");
  return `${sessionCookieName(secure)}=; ${attributes.join("; ")}`;
}

/**
 * Reads the session id from a `Cookie` header.
 * @param header The header value.
 * @param secure Whether cookies are Secure (decides the name).
 * @returns The id, or undefined.
 */
export function readSessionCookie(header: string | undefined, secure: boolean): string | undefined {
  if (!header) return undefined;
  const name = sessionCookieName(secure);
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return value === "" ? undefined : value;
    }
  }
  return undefined;
}
