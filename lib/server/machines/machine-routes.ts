/**
 * Machine routes (S3, S10, S11, W4, C8): registration with an invitation,
 * listing with statistics, rename, status, removal.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { ServerEnv } from "../principal.ts";
import { readStatus } from "../ws/status-store.ts";
import { presentStatus, unreportedStatus } from "../ws/reports.ts";
import type { AuthDeps } from "../auth/deps.ts";
import { HttpError } from "../http/errors.ts";
import { readJson } from "../http/validate.ts";
import { InvitationError } from "../invitations/invitations.ts";
import { getMachine, listVaultMachines, registerMachine, removeMachine, renameMachine } from "./machines.ts";
import { requireAdmin, requireMachineOrUser, requireUser } from "../auth/middleware.ts";
import { actorOf } from "../auth/principal-actor.ts";
import { noStore } from "../auth/response.ts";
import { AUTH_BODY_LIMIT } from "../auth/response.ts";
import { machineNameSchema } from "./machine-name.ts";

/** A client-chosen operation id (shared v2 convention). */
const opIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "must be 16–64 characters of A-Z a-z 0-9 _ -");
const registerBody = z.object({
  invitation: z.string().min(1).max(200),
  name: machineNameSchema,
  platform: z.string().trim().min(1).max(40).regex(/^[A-Za-z0-9._-]+$/, "must be letters, digits, dot, dash or underscore"),
  /** Makes the registration retry-safe: the same invitation and opId answer the same machine. */
  opId: opIdSchema.optional(),
});
const renameBody = z.object({ name: machineNameSchema });

const invitationStatus = { unknown: 404, expired: 410, used: 409, revoked: 410 } as const;

/**
 * The machine routes.
 * @param deps Server dependencies.
 * @returns A Hono app to mount at `/`.
 */
export function machineRoutes(deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();

  app.post("/api/machines/register", noStore(), async (c) => {
    const body = await readJson(c, registerBody, AUTH_BODY_LIMIT);
    try {
      const { repeated, ...machine } = await registerMachine(deps.db, body, deps.now(), { requestId: c.get("requestId") });
      deps.notifyCommit();
      deps.log.info({ machineId: machine.machineId, repeated }, repeated ? "machine registration repeated; token reissued" : "machine registered");
      return c.json(machine, repeated ? 200 : 201);
    } catch (error) {
      if (error instanceof InvitationError) {
        throw new HttpError(invitationStatus[error.reason], `invitation_${error.reason}`, `Cannot register: the invitation is ${error.reason}`);
      }
      throw error;
    }
  });

  app.get("/api/machines", requireUser(deps), async (c) => {
    const now = deps.now();
    const machines = await listVaultMachines(deps.db, c.get("principal").vaultId);
    const withStatus = await Promise.all(
      machines.map(async (m) => ({ ...m, status: presentStatus((await readStatus(deps.db, m.id)) ?? unreportedStatus(m.createdAt), m.lastSeenAt, now) })),
    );
    return c.json({ machines: withStatus });
  });

  app.get("/api/machines/:id/status", requireMachineOrUser(deps), async (c) => {
    const principal = c.get("principal");
    const machine = await getMachine(deps.db, principal.vaultId, c.req.param("id"));
    if (!machine) throw new HttpError(404, "not_found", "No such machine");
    const status = presentStatus((await readStatus(deps.db, machine.id)) ?? unreportedStatus(machine.createdAt), machine.lastSeenAt, deps.now());
    return c.json({ machineId: machine.id, name: machine.name, lastSeenAt: machine.lastSeenAt, ...status });
  });

  app.patch("/api/machines/:id", requireMachineOrUser(deps), async (c) => {
    const principal = c.get("principal");
    const id = c.req.param("id");
    if (principal.kind === "machine" && principal.machineId !== id) throw new HttpError(403, "forbidden", "A machine can rename only itself");
    const body = await readJson(c, renameBody, AUTH_BODY_LIMIT);
    const done = await renameMachine(deps.db, principal.vaultId, id, body.name, { actor: actorOf(principal), requestId: c.get("requestId") });
    if (!done) throw new HttpError(404, "not_found", "No such machine");
    deps.notifyCommit();
    return c.json({ id, name: body.name });
  });

  app.delete("/api/machines/:id", requireAdmin(deps, { reauth: true }), async (c) => {
    const principal = c.get("principal");
    const id = c.req.param("id");
    const actor = actorOf(principal);
    const done = await removeMachine(deps.db, principal.vaultId, id, deps.now(), actor, { requestId: c.get("requestId") });
    if (!done) throw new HttpError(404, "not_found", "No such machine");
    deps.notifyCommit();
    deps.log.info({ machineId: id }, "machine removed");
    return c.body(null, 204);
  });

  return app;
}
