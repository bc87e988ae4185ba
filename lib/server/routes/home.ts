/**
 * `GET /`: until the dashboard ships, a plain page (no script) that says the
 * server runs, its version, and what to do next, instead of a 404 at the URL
 * the server prints at start-up.
 */
import { Hono } from "hono";
import { VERSION } from "../../version.ts";
import { adminExists } from "../accounts/accounts.ts";
import type { ServerContext } from "../context.ts";
import type { ServerEnv } from "../principal.ts";

const STYLE = "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .3em}";

/**
 * The home page.
 * @param ctx The server context.
 * @returns A sub-app to mount at `/`.
 */
export function homeRoutes(ctx: ServerContext): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  app.get("/", async (c) => {
    const next = (await adminExists(ctx.db))
      ? "<p>Register a machine with an invitation: <code>syncagent server invite</code> prints one.</p>"
      : "<p>No admin account yet: create it with <code>syncagent server setup-admin</code>.</p>";
    c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'");
    c.header("Cache-Control", "no-store");
    return c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>SyncAgent server</title><style>${STYLE}</style></head><body>` +
        `<h1>SyncAgent server ${VERSION}</h1><p>The server is running. The browser dashboard comes with a later version; ` +
        `the API is described in <code>docs/api.md</code> (health: <a href="/api/health">/api/health</a>).</p>${next}</body></html>`,
    );
  });
  return app;
}
