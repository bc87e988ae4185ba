/**
 * Validation at the HTTP boundary. Malformed JSON is 400 `invalid_json`; a
 * body, query or path value that breaks its schema (an id that is not 64
 * lowercase hex characters, say) is 422 `invalid_request`; a body over its
 * limit is 413 `too_large`.
 */
import type { Context } from "hono";
import { z } from "zod";
import { readCapped } from "../../streams/read-capped.ts";
import { HttpError } from "./errors.ts";

/** An opaque id: 64 lowercase hex characters (path ids, chunk ids, machine ids). */
export const idSchema = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters");

/** Default limit of a JSON body: 32 MiB. */
export const DEFAULT_JSON_LIMIT = 32 * 1024 * 1024;

function invalid(error: z.ZodError, where: string): HttpError {
  const issues = error.issues.slice(0, 20).map((i) => ({ path: [where, ...i.path].join("."), message: i.message }));
  const first = issues[0];
  return new HttpError(422, "invalid_request", first ? `Invalid ${first.path}: ${first.message}` : "Invalid request", { issues });
}

/**
 * Reads a request body of at most `maxBytes`, without trusting Content-Length.
 * @param c The request context.
 * @param maxBytes Limit; more is a 413.
 * @returns The body text.
 */
export async function readBodyText(c: Context, maxBytes: number): Promise<string> {
  const declared = Number(c.req.header("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  // With a Content-Length the HTTP parser delivers exactly that many bytes:
  // read them the fast way. Without one (chunked), count while streaming.
  if (Number.isFinite(declared)) return c.req.text();
  const body = c.req.raw.body;
  if (!body) return "";
  return new TextDecoder().decode(await readCapped(body, maxBytes, () => tooLarge(maxBytes)));
}

/**
 * Parses and validates a JSON body.
 * @param c The request context.
 * @param schema The body's schema.
 * @param maxBytes Size limit. @default DEFAULT_JSON_LIMIT
 * @returns The validated value.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, maxBytes = DEFAULT_JSON_LIMIT): Promise<z.output<S>> {
  const text = await readBodyText(c, maxBytes);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, "invalid_json", `Malformed JSON body: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalid(parsed.error, "body");
  return parsed.data;
}

/**
 * Validates query parameters.
 * @param c The request context.
 * @param schema Schema of the query object (values are strings; use `z.coerce`).
 * @returns The validated value.
 */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw invalid(parsed.error, "query");
  return parsed.data;
}

/**
 * Validates a path parameter as an opaque id.
 * @param c The request context.
 * @param name The parameter's name.
 * @returns The id.
 */
export function readIdParam(c: Context, name: string): string {
  const value = c.req.param(name) ?? "";
  const parsed = idSchema.safeParse(value);
  if (!parsed.success) throw invalid(parsed.error, name);
  return parsed.data;
}

/**
 * The 413 answer.
 * @param maxBytes The limit that was exceeded.
 * @returns The error to throw.
 */
export function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "too_large", `Request body too large: the limit is ${maxBytes} bytes`, { limit: maxBytes });
}
