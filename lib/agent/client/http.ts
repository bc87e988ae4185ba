/**
 * The one way the agent talks HTTP to its server: JSON in and out, a bearer
 * token, a deadline, and errors that say what went wrong without echoing a
 * secret. Every endpoint wrapper in lib/agent/client builds on `requestJson`
 * or `request`.
 */

/** The server answered with an error status. */
export class ServerError extends Error {
  override name = "ServerError";
  /**
   * @param status HTTP status.
   * @param code The server's `error` code (`conflict`, `invitation_used`…), or `http_<status>`.
   * @param message Readable text (the server's `message` when it gave one).
   * @param body The parsed error body, for callers that need its fields (`current`, `head`…).
   */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The server could not be reached, or did not answer in time. */
export class NetworkError extends Error {
  override name = "NetworkError";
}

/** Where and as whom requests go. */
export interface HttpTarget {
  /** Server base URL, without a trailing slash. */
  serverUrl: string;
  /** Machine bearer token (`sam_…`); absent for registration. */
  token?: string;
  /** fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Per-request deadline, ms. @default 60000 */
  timeoutMs?: number;
}

/** One request. */
export interface RequestOptions {
  method?: string;
  /** A JSON body (serialised here) or raw bytes. */
  json?: unknown;
  body?: Uint8Array | ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Statuses returned as they are instead of thrown (e.g. 404 for "none yet"). */
  accept?: readonly number[];
}

function describe(target: HttpTarget, path: string): string {
  // The URL has no secret in it (tokens go in headers): safe to name.
  return `${target.serverUrl}${path.split("?")[0] ?? ""}`;
}

/**
 * Sends one request and returns the response when its status is 2xx or in
 * `accept`; throws otherwise.
 * @param target Server and token.
 * @param path Path and query (`/api/changes?since=3`).
 * @param options Method, body, headers, signal.
 * @returns The response (body unread).
 * @throws ServerError for an error status; NetworkError when the server is unreachable or too slow.
 */
export async function request(target: HttpTarget, path: string, options: RequestOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (target.token) headers.set("authorization", `Bearer ${target.token}`);
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    body = options.body as BodyInit;
  }
  const timeout = AbortSignal.timeout(target.timeoutMs ?? 60_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const init: RequestInit & { duplex?: "half" } = { method: options.method ?? (body ? "POST" : "GET"), headers, body, signal };
  if (body instanceof ReadableStream) init.duplex = "half";
  let res: Response;
  try {
    res = await (target.fetch ?? fetch)(target.serverUrl + path, init);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new DOMException("Aborted", "AbortError");
    const why = timeout.aborted ? "no answer in time" : ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
    throw new NetworkError(`Cannot reach the server at ${describe(target, path)}: ${why}`);
  }
  if (res.ok || options.accept?.includes(res.status)) return res;
  let data: Record<string, unknown> = {};
  try {
    data = (await res.json()) as Record<string, unknown>;
  } catch {
    // not JSON: the status says enough
  }
  // Errors come as `{ error: { code, message, … } }` (older shapes: `{ error: "code", message }`).
  const nested = typeof data.error === "object" && data.error !== null ? (data.error as Record<string, unknown>) : undefined;
  const rawCode = nested?.code ?? data.error;
  const rawMessage = nested?.message ?? data.message;
  const code = typeof rawCode === "string" ? rawCode : `http_${res.status}`;
  const message = typeof rawMessage === "string" ? rawMessage : `${res.status} ${res.statusText || code}`;
  if (nested) data = { ...data, ...nested };
  throw new ServerError(res.status, code, `${describe(target, path)}: ${message}`, data);
}

/**
 * Sends one request and parses a JSON answer.
 * @param target Server and token.
 * @param path Path and query.
 * @param options As for `request`.
 * @returns The status and the parsed body (`null` for an empty one).
 * @throws As `request`; NetworkError when a 2xx body is not JSON (a proxy page, a cut stream).
 */
export async function requestJson<T>(target: HttpTarget, path: string, options: RequestOptions = {}): Promise<{ status: number; data: T }> {
  const res = await request(target, path, options);
  const text = await res.text();
  if (text === "") return { status: res.status, data: null as T };
  try {
    return { status: res.status, data: JSON.parse(text) as T };
  } catch {
    throw new NetworkError(`The server at ${describe(target, path)} answered ${res.status} with a body that is not JSON`);
  }
}
