/**
 * API errors and the one place that turns any thrown value into a JSON
 * answer: `{ "error": { "code", "message", …details } }`.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";

/** An error with an HTTP status and a stable machine-readable code. */
export class HttpError extends Error {
  override name = "HttpError";
  /**
   * @param status HTTP status.
   * @param code Stable code, e.g. `not_found`.
   * @param message Human-readable message.
   * @param details Extra fields merged into the error object.
   */
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * Builds the JSON error answer.
 * @param c The request context.
 * @param error The error.
 * @returns The response.
 */
export function errorResponse(c: Context, error: HttpError): Response {
  return c.json({ error: { code: error.code, message: error.message, ...error.details } }, error.status);
}

/**
 * Whether a failure comes from the client going away mid-request (its
 * connection closed while the body was read): not a server error.
 * @param c The request context.
 * @param error What was thrown.
 * @returns True for an aborted request.
 */
export function isClientAbort(c: Context, error: Error): boolean {
  const incoming = (c.env as { incoming?: { aborted?: boolean; readableAborted?: boolean; errored?: unknown; complete?: boolean } } | undefined)?.incoming;
  if (incoming && !incoming.complete && (incoming.aborted || incoming.readableAborted || incoming.errored)) return true;
  if (c.req.raw.signal.aborted) return true;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE" || error.name === "AbortError";
}

/**
 * Creates the app's `onError` handler: known errors keep their status; a
 * client that went away is marked `aborted` (the access log's one line
 * says so, at info level); anything else is logged and answered 500
 * without internals.
 * @param logger Where unexpected errors go.
 * @returns The handler.
 */
export function createErrorHandler(logger: Logger): (error: Error, c: Context) => Response {
  return (error, c) => {
    if (error instanceof HttpError) return errorResponse(c, error);
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return errorResponse(c, new HttpError(status as ContentfulStatusCode, "bad_request", error.message));
    }
    if (isClientAbort(c, error)) {
      c.set("aborted" as never, true as never);
      return errorResponse(c, new HttpError(400, "aborted", "The client closed the connection"));
    }
    const requestId = c.get("requestId" as never) as string | undefined;
    logger.error({ err: error, requestId }, "unhandled error");
    return errorResponse(c, new HttpError(500, "internal", "Internal server error", requestId ? { requestId } : {}));
  };
}
