/**
 * The URLs `syncagent up` works with (A1): the one its own agent talks to
 * (the server in the same process, over loopback whenever it can), and the
 * one it tells other machines to join with. Pure: no I/O.
 */

/** Where the server listens, as `syncagent up` started it. */
export interface ListeningServer {
  /** The configured listen host (`127.0.0.1`, `0.0.0.0`, `::`, a name…). */
  host: string;
  /** The port it got. */
  port: number;
  /** The URL the server reports (`http://127.0.0.1:8420`). */
  url: string;
  /** Whether it speaks HTTPS. */
  tls: boolean;
  /** The configured public URL, if any (no trailing slash). */
  publicUrl?: string;
  /** This machine's host name, for a server listening on every address. */
  hostname: string;
}

/** The URLs of one `up`. */
export interface UpUrls {
  /** What this machine's agent registers with and talks to. */
  local: string;
  /** The dashboard, as shown to the person at this machine. */
  dashboard: string;
  /** The server URL other machines register with. */
  join: string;
  /** Set when other machines cannot reach the server as it listens: what to change. */
  unreachableNote?: string;
}

function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Works out the URLs of a started server.
 * @param server How it listens.
 * @returns The agent's, the dashboard's and the joining machines' URLs.
 */
export function upUrls(server: ListeningServer): UpUrls {
  const scheme = server.tls ? "https" : "http";
  let local = server.url;
  if (isWildcard(server.host)) local = `${scheme}://${server.host === "0.0.0.0" ? "127.0.0.1" : "[::1]"}:${server.port}`;
  // A certificate names the public host, not the loopback address.
  if (server.tls && server.publicUrl) local = server.publicUrl;
  const join = server.publicUrl ?? (isWildcard(server.host) ? `${scheme}://${server.hostname}:${server.port}` : server.url);
  const urls: UpUrls = { local, dashboard: `${server.publicUrl ?? local}/`, join };
  if (!server.publicUrl && isLoopbackHost(server.host)) {
    urls.unreachableNote =
      `The server listens on ${server.host} only, so other machines cannot reach it yet: ` +
      "run 'syncagent up --host 0.0.0.0' (or put it behind a reverse proxy and pass --public-url https://…) before adding them.";
  }
  return urls;
}
