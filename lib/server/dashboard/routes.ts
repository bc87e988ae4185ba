/**
 * Serves the dashboard: hashed assets under `/assets/` (immutable), and
 * `index.html` for every other GET outside `/api` and `/ws` (the dashboard
 * routes in the browser), never cached. Compressed with brotli or gzip
 * when the browser accepts it.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import type { ServerEnv } from "../principal.ts";
import type { DashboardAssetSource } from "./assets.ts";
import { chooseEncoding, compressDashboard, type CompressedFile, type ServedDashboard } from "./compressed.ts";

/**
 * The dashboard page's Content-Security-Policy: its own script and styles
 * only, no inline script, WebAssembly for Argon2id, sockets to this server,
 * never inside a frame.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join("; ");

const IMMUTABLE = "public, max-age=31536000, immutable";

/** Paths the dashboard never answers: the API and the sockets keep their own 404s. */
function isServerPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/") || path === "/ws" || path.startsWith("/ws/");
}

function send(c: Context<ServerEnv>, file: CompressedFile, cache: string): Response {
  const encoding = chooseEncoding(c.req.header("accept-encoding"));
  const body = encoding === "br" ? file.br : encoding === "gzip" ? file.gzip : file.body;
  c.header("Content-Type", file.type);
  c.header("Content-Length", String(body.byteLength));
  c.header("Cache-Control", cache);
  c.header("Vary", "Accept-Encoding");
  c.header("Content-Security-Policy", DASHBOARD_CSP);
  c.header("Cross-Origin-Opener-Policy", "same-origin");
  c.header("Cross-Origin-Resource-Policy", "same-origin");
  if (encoding !== "identity") c.header("Content-Encoding", encoding);
  return c.req.method === "HEAD" ? c.body(null, 200) : c.body(body as Uint8Array<ArrayBuffer>, 200);
}

/**
 * The dashboard's routes; mount last, after every API route.
 * @param source Where the assets come from (bundled from source, or embedded).
 * @returns A sub-app to mount at `/`.
 */
export function dashboardRoutes(source: DashboardAssetSource): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  let served: Promise<ServedDashboard> | undefined;
  const load = () => {
    served ??= source().then(compressDashboard);
    served.catch(() => (served = undefined));
    return served;
  };
  app.on(["GET", "HEAD"], "*", async (c) => {
    const path = c.req.path;
    if (isServerPath(path)) return c.notFound();
    const dashboard = await load();
    if (path.startsWith("/assets/")) {
      const file = dashboard.byPath.get(path);
      return file ? send(c, file, IMMUTABLE) : c.notFound();
    }
    return send(c, dashboard.index, "no-store");
  });
  return app;
}
