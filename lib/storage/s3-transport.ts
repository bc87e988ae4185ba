/**
 * Signed S3 requests with bounded retries. Every request is signed with
 * SigV4 (aws4fetch) including the payload's SHA-256, so the service can
 * check the bytes it received; requests that fail with a network error, a
 * timeout or a 5xx/429 answer are re-signed and retried with exponential
 * backoff and jitter, up to `maxAttempts` tries in all.
 */
import { AwsClient } from "aws4fetch";
import { StorageUnavailableError } from "./errors.ts";
import { describeS3Location, type ResolvedS3Config } from "./s3-config.ts";

/** SHA-256 of no bytes: the payload hash of a request without a body. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const MAX_RETRY_DELAY_MS = 10_000;

/** One request to send. */
export interface S3Request {
  /** POST only for multipart uploads (create, complete). */
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  /** Object or bucket URL; its query string is already encoded (see `canonicalQuery`). */
  url: string;
  /** Bytes to send; they are kept so a retry can resend them. */
  body?: Uint8Array<ArrayBuffer>;
  /** Lowercase hex SHA-256 of `body` (signed and checked by the service). */
  bodySha256?: string;
  /** Extra headers to sign and send (`range`, `content-type`). */
  headers?: Record<string, string>;
  /** What the request does, for messages: `read chunk ab12…`. */
  doing: string;
}

/** Sends signed requests to one configured bucket. */
export class S3Transport {
  private readonly client: AwsClient;

  /** @param config the checked adapter configuration. */
  constructor(readonly config: ResolvedS3Config) {
    this.client = new AwsClient({
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
      service: "s3",
      region: config.region,
      retries: 0,
    });
  }

  /**
   * Sends the request, retrying transient failures. Returns the first answer
   * that is not a transient failure, whatever its status.
   * @throws StorageUnavailableError when every attempt failed.
   */
  async send(request: S3Request): Promise<Response> {
    const { maxAttempts } = this.config;
    let lastFailure = "";
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await delay(this.retryDelay(attempt - 1));
      let response: Response;
      try {
        response = await this.attempt(request);
      } catch (error) {
        lastError = error;
        lastFailure = describeNetworkError(error);
        continue;
      }
      if (!RETRYABLE_STATUS.has(response.status)) return response;
      lastError = undefined;
      lastFailure = `answered ${response.status} ${response.statusText}`.trim();
      await response.body?.cancel().catch(() => undefined);
    }
    const reason = lastError === undefined ? "server-error" : "unreachable";
    throw new StorageUnavailableError(
      `Cannot ${request.doing}: S3 at ${describeS3Location(this.config)} ${lastFailure} ` +
        `(${maxAttempts} attempt${maxAttempts === 1 ? "" : "s"})`,
      reason,
      lastError === undefined ? undefined : { cause: lastError },
    );
  }

  private async attempt(request: S3Request): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer within ${this.config.requestTimeoutMs} ms`)),
      this.config.requestTimeoutMs,
    );
    try {
      const signed = await this.client.sign(request.url, {
        method: request.method,
        headers: { ...request.headers, "x-amz-content-sha256": request.bodySha256 ?? EMPTY_SHA256 },
        ...(request.body ? { body: request.body } : {}),
        redirect: "manual",
        signal: controller.signal,
      });
      return await fetch(signed);
    } finally {
      clearTimeout(timer);
    }
  }

  private retryDelay(retry: number): number {
    const ceiling = Math.min(MAX_RETRY_DELAY_MS, this.config.retryBaseDelayMs * 2 ** (retry - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `failed: connect ECONNREFUSED 127.0.0.1:9` rather than the bare `fetch failed`. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return `failed: ${String(error)}`;
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return `failed: ${cause ?? error.message}`;
}
