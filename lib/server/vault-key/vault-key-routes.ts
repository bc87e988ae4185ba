/**
 * The wrapped master key blob (DESIGN §2 rule 1): `GET /api/vault/key` and
 * `PUT /api/vault/key` for the account's machines and logged-in browser.
 * The server stores the base64 text as given and never interprets it. A PUT
 * names the version (revision) it replaces (0 for the first), so two
 * concurrent password changes cannot silently overwrite each other (409
 * with the current version). Every revision is kept:
 * `GET /api/vault/key-file/versions` lists them with who wrote each, and
 * `GET /api/vault/key-file/versions/:revision` reads one back. The server
 * cannot tell a genuine key file from a forged one: agents verify its MAC
 * before trusting it (docs/security-web.md).
 */
import { Hono } from "hono";
import { z } from "zod";
import type { ServerEnv } from "../principal.ts";
import type { AuthDeps } from "../auth/deps.ts";
import { HttpError } from "../http/errors.ts";
import { readJson } from "../http/validate.ts";
import { requireMachineOrUser } from "../auth/middleware.ts";
import { actorOf } from "../auth/principal-actor.ts";
import { getVaultKey, getVaultKeyRevision, listVaultKeyRevisions, putVaultKey, VAULT_KEY_MAX_BYTES } from "./vault-key.ts";
import { noStore } from "../auth/response.ts";
import { Buffer } from "node:buffer";

const putBody = z.object({
  blob: z.string().min(1).regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64"),
  version: z.number().int().min(0),
});

/**
 * The vault key routes.
 * @param deps Server dependencies.
 * @returns A Hono app to mount at `/`.
 */
export function vaultKeyRoutes(deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const auth = requireMachineOrUser(deps);

  app.get("/api/vault/key", noStore(), auth, async (c) => {
    const key = await getVaultKey(deps.db, c.get("principal").vaultId);
    if (!key) throw new HttpError(404, "not_found", "No key stored for this vault yet");
    return c.json(key);
  });

  app.get("/api/vault/key-file/versions", auth, async (c) => {
    return c.json({ versions: await listVaultKeyRevisions(deps.db, c.get("principal").vaultId) });
  });

  app.get("/api/vault/key-file/versions/:revision", noStore(), auth, async (c) => {
    const revision = z.coerce.number().int().min(1).safeParse(c.req.param("revision"));
    if (!revision.success) throw new HttpError(422, "invalid_request", "The revision must be a positive integer");
    const found = await getVaultKeyRevision(deps.db, c.get("principal").vaultId, revision.data);
    if (!found) throw new HttpError(404, "not_found", "No such revision of this vault's key file");
    return c.json(found);
  });

  app.put("/api/vault/key", auth, async (c) => {
    const body = await readJson(c, putBody, Math.ceil((VAULT_KEY_MAX_BYTES * 4) / 3) + 1024);
    if (Buffer.from(body.blob, "base64").byteLength > VAULT_KEY_MAX_BYTES) {
      throw new HttpError(413, "too_large", `The key blob is larger than ${VAULT_KEY_MAX_BYTES} bytes`);
    }
    const principal = c.get("principal");
    const result = await putVaultKey(
      deps.db,
      { accountId: principal.accountId, vaultId: principal.vaultId },
      body,
      deps.now(),
      actorOf(principal),
      { requestId: c.get("requestId") },
    );
    if (!result.ok) throw new HttpError(409, "version_conflict", "The key changed meanwhile; fetch it and retry", { current: result.current });
    deps.notifyCommit();
    return c.json({ version: result.version });
  });

  return app;
}
