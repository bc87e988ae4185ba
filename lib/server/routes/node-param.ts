/**
 * Reading a node id from the URL path: 32 lowercase hex characters, or 422
 * `invalid_request` in the shape lib/server/http/validate.ts gives.
 */
import type { Context } from "hono";
import { nodeId } from "../../events/schemas/common.ts";
import { HttpError } from "../http/errors.ts";

/**
 * Validates a path parameter as a node id.
 * @param c The request context.
 * @param name The parameter's name. @default "nodeId"
 * @returns The node id.
 * @throws HttpError 422 when it is not 32 lowercase hex characters.
 */
export function readNodeParam(c: Context, name = "nodeId"): string {
  const parsed = nodeId.safeParse(c.req.param(name) ?? "");
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? "invalid";
  throw new HttpError(422, "invalid_request", `Invalid ${name}: ${message}`, { issues: [{ path: name, message }] });
}
