/**
 * Invitation routes (S3, W5), admin only: `POST /api/invitations`,
 * `GET /api/invitations`, `DELETE /api/invitations/:id`.
 */
import { Hono } from "hono";
import type { ServerEnv } from "../principal.ts";
import type { AuthDeps } from "../auth/deps.ts";
import { HttpError } from "../http/errors.ts";
import { createInvitation, listInvitations, revokeInvitation } from "./invitations.ts";
import { requireAdmin } from "../auth/middleware.ts";
import { actorOf } from "../auth/principal-actor.ts";
import { noStore } from "../auth/response.ts";

/**
 * The invitation routes.
 * @param deps Server dependencies.
 * @returns A Hono app to mount at `/`.
 */
export function invitationRoutes(deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const admin = requireAdmin(deps);

  app.post("/api/invitations", noStore(), admin, async (c) => {
    const principal = c.get("principal");
    const invitation = await createInvitation(
      deps.db,
      { accountId: principal.accountId, vaultId: principal.vaultId, createdBy: actorOf(principal) },
      deps.now(),
      deps.web.invitationTtlMs,
      { requestId: c.get("requestId") },
    );
    deps.notifyCommit();
    deps.log.info({ invitationId: invitation.id }, "invitation created");
    return c.json(invitation, 201);
  });

  app.get("/api/invitations", admin, async (c) => {
    return c.json({ invitations: await listInvitations(deps.db, c.get("principal").vaultId, deps.now()) });
  });

  app.delete("/api/invitations/:id", admin, async (c) => {
    const principal = c.get("principal");
    const done = await revokeInvitation(deps.db, principal.vaultId, c.req.param("id"), deps.now(), {
      actor: actorOf(principal),
      requestId: c.get("requestId"),
    });
    if (!done) throw new HttpError(404, "not_found", "No pending invitation with this id");
    deps.notifyCommit();
    return c.body(null, 204);
  });

  return app;
}
