/**
 * Everything the auth side mounts on the server app: setup/session,
 * invitation, machine and vault key routes. (Security headers and the Host
 * allowlist are app-wide middleware in lib/server/http/security.ts.)
 */
import { Hono } from "hono";
import type { ServerEnv } from "../principal.ts";
import type { AuthDeps } from "./deps.ts";
import { invitationRoutes } from "../invitations/invitation-routes.ts";
import { machineRoutes } from "../machines/machine-routes.ts";
import { sessionRoutes } from "../sessions/session-routes.ts";
import { setupRoutes } from "../accounts/setup-routes.ts";
import { vaultKeyRoutes } from "../vault-key/vault-key-routes.ts";

/**
 * The auth, invitation, machine and vault key routes.
 * @param deps Server dependencies.
 * @returns A Hono app to mount with `app.route("/", authRoutes(deps))`.
 */
export function authRoutes(deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  app.route("/", setupRoutes(deps));
  app.route("/", sessionRoutes(deps));
  app.route("/", invitationRoutes(deps));
  app.route("/", machineRoutes(deps));
  app.route("/", vaultKeyRoutes(deps));
  return app;
}
