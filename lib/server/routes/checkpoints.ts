/**
 * Tree checkpoint routes (C6): a machine publishes its newest sealed
 * checkpoint (`PUT /api/checkpoints/:number`, the bytes as the body), and
 * any member lists the vault's (`GET /api/checkpoints`) and reads one
 * (`GET /api/checkpoints/:machineId`). The server stores bytes it cannot
 * open; the agents check them.
 */
import { Hono } from "hono";
import type { AuthDeps } from "../auth/deps.ts";
import { requireMachineOrUser } from "../auth/middleware.ts";
import { listCheckpoints, MAX_CHECKPOINT_BYTES, readCheckpoint, storeCheckpoint } from "../checkpoints/store.ts";
import { receiveBody } from "../chunks/receive.ts";
import type { ServerContext } from "../context.ts";
import { HttpError } from "../http/errors.ts";
import type { ServerEnv } from "../principal.ts";

/** A checkpoint's number in a path: a whole number from 1, at most 15 digits. */
const NUMBER = /^[1-9][0-9]{0,14}$/;
/** A machine id in a path: 32 lowercase hex characters. */
const MACHINE_ID = /^[0-9a-f]{32}$/;
/** Bytes before the sealed box can hold anything: header, nonce, commitment, tag and the fixed fields. */
const MIN_CHECKPOINT_BYTES = 5 + 12 + 32 + 16 + 60;

/**
 * The checkpoint routes.
 * @param ctx The server context.
 * @param deps Auth dependencies.
 * @returns A sub-app to mount at `/`.
 */
export function checkpointRoutes(ctx: ServerContext, deps: AuthDeps): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const auth = requireMachineOrUser(deps);

  app.get("/api/checkpoints", auth, async (c) => c.json({ checkpoints: await listCheckpoints(ctx.db, c.var.principal.vaultId) }));

  app.put("/api/checkpoints/:number", auth, async (c) => {
    const p = c.var.principal;
    if (p.kind !== "machine") throw new HttpError(403, "machine_required", "Only a machine publishes checkpoints of the tree it verified");
    const text = c.req.param("number");
    if (!NUMBER.test(text)) throw new HttpError(422, "invalid_request", "Invalid path.number: must be a whole number from 1");
    const declared = Number(c.req.header("content-length") ?? "NaN");
    if (Number.isFinite(declared) && declared > MAX_CHECKPOINT_BYTES) {
      throw new HttpError(413, "too_large", `A checkpoint is at most ${MAX_CHECKPOINT_BYTES} bytes`, { maxBytes: MAX_CHECKPOINT_BYTES });
    }
    const body = await receiveBody(c.req.raw.body, {
      maxBytes: MAX_CHECKPOINT_BYTES,
      timeoutMs: ctx.config.uploadTimeoutMs,
      sizeHint: Number.isFinite(declared) ? declared : undefined,
    });
    if (body.byteLength < MIN_CHECKPOINT_BYTES) throw new HttpError(400, "invalid_checkpoint", `A checkpoint is at least ${MIN_CHECKPOINT_BYTES} bytes`);
    const outcome = await storeCheckpoint(ctx.db, p.vaultId, p.machineId, Number(text), body, Date.now());
    if (!outcome.stored) {
      throw new HttpError(409, "stale_checkpoint", `This machine's checkpoint ${outcome.current} is stored already; send a higher number`, { current: outcome.current });
    }
    return c.json({ stored: true, number: Number(text) }, 201);
  });

  app.get("/api/checkpoints/:machineId", auth, async (c) => {
    const machineId = c.req.param("machineId");
    if (!MACHINE_ID.test(machineId)) throw new HttpError(422, "invalid_request", "Invalid path.machineId: must be 32 lowercase hex characters");
    const found = await readCheckpoint(ctx.db, c.var.principal.vaultId, machineId);
    if (!found) throw new HttpError(404, "not_found", "This machine published no checkpoint");
    return c.body(found.body as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(found.body.byteLength),
      "X-Checkpoint-Number": String(found.number),
      "Cache-Control": "no-store",
    });
  });

  return app;
}
