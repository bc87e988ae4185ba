/**
 * Calls to the server's API from the dashboard: JSON both ways, the
 * session cookie, and the CSRF token on every request that changes
 * something. Failures become an `ApiError` with the server's code.
 */

/** A failed API call: the status, the server's error code and message. */
export class ApiError extends Error {
  override name = "ApiError";
  /**
   * @param status HTTP status (0 when the server could not be reached).
   * @param code The server's error code (`invalid_credentials`…).
   * @param message What went wrong, for a person.
   * @param retryAfter Seconds to wait, from `Retry-After`, if the server sent it.
   * @param body The answer's parsed body (a restore's 409 says why in it).
   */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

let csrfToken = "";
let unauthorized: (() => void) | undefined;

/**
 * Sets what happens when the server answers 401 to a signed-in call (the
 * session ended elsewhere or expired): the app goes back to sign-in.
 * @param handler The callback.
 */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

/**
 * Sets the CSRF token sent with every mutating request (from the session answer).
 * @param token The session's token, or "" after logout.
 */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Options of {@link api}. */
export interface ApiOptions {
  method?: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** Sent as JSON. */
  body?: unknown;
}

/**
 * Calls the API.
 * @param path The path (`/api/machines`).
 * @param options Method and JSON body.
 * @returns The parsed answer (`undefined` for 204).
 * @throws ApiError on a status that is not 2xx or a network failure.
 */
export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") headers["x-csrf-token"] = csrfToken;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: "same-origin", body: options.body === undefined ? null : JSON.stringify(options.body) });
  } catch {
    throw new ApiError(0, "unreachable", "Cannot reach the server: check that it runs and that this device is online");
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (res.status === 401 && csrfToken && !path.startsWith("/api/auth/")) unauthorized?.();
  if (!res.ok) {
    const error = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    const retry = Number(res.headers.get("retry-after"));
    throw new ApiError(res.status, error?.code ?? "http_" + res.status, error?.message ?? `The server answered ${res.status}`, Number.isFinite(retry) && retry > 0 ? retry : undefined, data);
  }
  return data as T;
}
