/**
 * The WebSocket URL of a server endpoint: `ws://` for `http://`, `wss://`
 * for `https://`, under the server's base path.
 * @param serverUrl The server's base URL as configured (`https://sync.example.org`).
 * @param path The endpoint (`/ws/changes`).
 * @returns The socket URL, without credentials, query or fragment.
 * @throws TypeError for a URL that is not http(s) or carries credentials.
 */
export function webSocketUrl(serverUrl: string, path: string): string {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new TypeError("Invalid server URL: not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`Invalid server URL: ${url.protocol} is not http: or https:`);
  if (url.username !== "" || url.password !== "") throw new TypeError("Invalid server URL: it must not carry credentials");
  const scheme = url.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${url.host}${url.pathname.replace(/\/+$/, "")}${path}`;
}
