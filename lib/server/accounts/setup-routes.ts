/**
 * First-run setup (S3, W1): `GET /api/setup` tells the dashboard wizard
 * whether setup is needed (and whether it needs the setup token), and
 * `POST /api/setup` creates the admin, only while none exists, and logs the
 * new admin in.
 */
import { Hono } from "hono";
import { z } from "zod";
import { HttpError } from "../http/errors.ts";
import { readJson } from "../http/validate.ts";
import type { ServerEnv } from "../principal.ts";
import { AdminExistsError, adminExists, createAdmin } from "./accounts.ts";
import { refuseForeignOrigin, startSession } from "../sessions/browser-session.ts";
import type { AuthDeps } from "../auth/deps.ts";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./password.ts";
import { AUTH_BODY_LIMIT, busy, noStore } from "../auth/response.ts";
import { ensureSetupToken, removeSetupToken, setupTokenMatches } from "./setup-token.ts";

/** User names: 1–64 letters, digits, dot, dash, underscore or @. */
export const usernameSchema = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._@-]+$/);

const setupBody = z.object({
  username: usernameSchema,
  password: z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH),
  setupToken: z.string().max(200).optional(),
});

/**
 * The setup routes.
 * @param deps Server dependencies.
 * @returns A Hono app to mount at `/`.
 */
export function setupRoutes(deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const tokenFile = deps.setupTokenFile;

  app.get("/api/setup", async (c) => {
    const needed = !(await adminExists(deps.db));
    if (!needed || !tokenFile) return c.json({ needed, setupTokenRequired: false });
    await ensureSetupToken(tokenFile);
    deps.log.info({ file: tokenFile }, "setup token written; read it on the server to create the admin");
    return c.json({ needed, setupTokenRequired: true, setupTokenFile: tokenFile });
  });

  app.post("/api/setup", noStore(), async (c) => {
    refuseForeignOrigin(c, deps);
    const body = await readJson(c, setupBody, AUTH_BODY_LIMIT);
    if (await adminExists(deps.db)) throw new HttpError(409, "already_set_up", "The admin already exists");
    if (tokenFile && !(await setupTokenMatches(tokenFile, body.setupToken))) {
      throw new HttpError(403, "setup_token_required", `Enter the setup token from ${tokenFile} on the server`);
    }
    const slot = deps.passwordWork.tryAcquire(); // hashing the password is the same 64 MiB work as a login
    if (!slot) throw busy(c);
    const release = await slot;
    try {
      const admin = await createAdmin(deps.db, { username: body.username, password: body.password }, deps.now(), {
        requestId: c.get("requestId"),
      }).finally(release);
      if (tokenFile) await removeSetupToken(tokenFile);
      deps.notifyCommit();
      deps.log.info({ userId: admin.userId }, "admin created");
      const session = await startSession(c, deps, {
        id: admin.userId,
        accountId: admin.accountId,
        vaultId: admin.vaultId,
        username: admin.username,
        isAdmin: true,
      });
      return c.json(session, 201);
    } catch (error) {
      if (error instanceof AdminExistsError) throw new HttpError(409, "already_set_up", "The admin already exists");
      throw error;
    }
  });

  return app;
}
