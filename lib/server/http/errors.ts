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
 * Creates the app's `onError` handler: known errors keep their status,
 * anything else is logged and answered 500 without internals.
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
    const requestId = c.get("requestId" as never) as string | undefined;
    logger.error({ err: error, requestId }, "unhandled error");
    return errorResponse(c, new HttpError(500, "internal", "Internal server error", requestId ? { requestId } : {}));
  };
}
