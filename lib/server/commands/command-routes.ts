/**
 * Command routes (W9, A19): a browser session issues `sync_now`, `pause` or
 * `resume` for a machine of its vault and lists them; the machine (or its
 * `/ws/events` socket, lib/server/ws/routes.ts) acknowledges each once.
 */
import { Hono, type Context } from "hono";
import type { AuthDeps } from "../auth/deps.ts";
import { authEventMeta } from "../auth/events.ts";
import { requireMachineOrUser, requireUser } from "../auth/middleware.ts";
import type { ServerContext } from "../context.ts";
import { actorOf } from "../files/actor.ts";
import { HttpError } from "../http/errors.ts";
import { readJson, readQuery } from "../http/validate.ts";
import type { ServerEnv } from "../principal.ts";
import { acknowledgeCommand, decodeCommandCursor, encodeCommandCursor, expireCommands, findCommandTarget, issueCommand, listCommands } from "./commands.ts";
import { ackBodySchema, id32Schema, issueBodySchema, listQuerySchema } from "./command-schemas.ts";

function idParam(c: Context<ServerEnv>, name: string): string {
  const parsed = id32Schema.safeParse(c.req.param(name));
  if (!parsed.success) throw new HttpError(422, "invalid_request", `Invalid ${name}: must be 32 lowercase hex characters`);
  return parsed.data;
}

/**
 * The command routes.
 * @param ctx The server context.
 * @param deps Auth dependencies.
 * @returns A sub-app to mount at `/`.
 */
export function commandRoutes(ctx: ServerContext, deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();

  app.post("/api/machines/:id/commands", requireUser(deps), async (c) => {
    const machineId = idParam(c, "id");
    const body = await readJson(c, issueBodySchema, 4096);
    const target = await findCommandTarget(ctx.db, c.var.principal.vaultId, machineId);
    if (!target) throw new HttpError(404, "not_found", "No such machine");
    const { command, event } = await issueCommand(ctx.db, target, body.kind, authEventMeta(actorOf(c.var.principal, c.var.requestId).meta), deps.now());
    ctx.bus.publish([event]);
    return c.json(command, 201);
  });

  app.get("/api/machines/:id/commands", requireMachineOrUser(deps), async (c) => {
    const machineId = idParam(c, "id");
    const p = c.var.principal;
    if (p.kind === "machine" && p.machineId !== machineId) throw new HttpError(403, "forbidden", "A machine can list only its own commands");
    const query = readQuery(c, listQuerySchema);
    const target = await findCommandTarget(ctx.db, p.vaultId, machineId);
    if (!target) throw new HttpError(404, "not_found", "No such machine");
    const expired = await expireCommands(ctx.db, machineId, deps.now());
    if (expired.length > 0) ctx.bus.publish(expired);
    const before = query.before === undefined ? undefined : decodeCommandCursor(query.before);
    if (before === null) {
      const message = "not a cursor this server gave";
      throw new HttpError(422, "invalid_request", `Invalid query.before: ${message}`, { issues: [{ path: "query.before", message }] });
    }
    const commands = await listCommands(ctx.db, machineId, { limit: query.limit, before });
    const last = commands[commands.length - 1];
    return c.json({ commands, next: commands.length === query.limit && last ? { before: encodeCommandCursor({ issuedAt: last.issuedAt, commandId: last.commandId }) } : null });
  });

  app.post("/api/commands/:id/ack", requireMachineOrUser(deps), async (c) => {
    const commandId = idParam(c, "id");
    const p = c.var.principal;
    if (p.kind !== "machine") throw new HttpError(403, "machine_only", "Only the machine a command is for acknowledges it");
    const body = await readJson(c, ackBodySchema, 4096);
    const { command, event } = await acknowledgeCommand(ctx.db, p.machineId, commandId, body, deps.now());
    ctx.bus.publish([event]);
    return c.json(command);
  });

  return app;
}
