/**
 * Receiving an upload's bytes before anything is locked or stored (S6,
 * hardening): bounded in size (413 `too_large`) and in time (408
 * `upload_timeout`), and an empty body is 400 `empty_body` whether or not
 * it came with a Content-Length.
 */
import { readCapped } from "../../streams/read-capped.ts";
import { HttpError } from "../http/errors.ts";
import { tooLarge } from "../http/validate.ts";

/** Answered when the bytes did not arrive in time. */
export function uploadTimeout(ms: number): HttpError {
  return new HttpError(408, "upload_timeout", `The upload did not arrive within ${Math.round(ms / 1000)} s`, { limitMs: ms });
}

/**
 * Reads a request body into memory.
 * @param body The request body (null when there is none).
 * @param limits `maxBytes` (413 beyond) and `timeoutMs` (408 beyond); `sizeHint`, the announced Content-Length (a hint to size the buffer, never trusted).
 * @returns The bytes, never empty.
 * @throws HttpError 400 `empty_body`, 408 `upload_timeout`, 413 `too_large`.
 */
export async function receiveBody(body: ReadableStream<Uint8Array> | null, limits: { maxBytes: number; timeoutMs: number; sizeHint?: number }): Promise<Uint8Array> {
  if (!body) throw new HttpError(400, "empty_body", "The body is empty");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(uploadTimeout(limits.timeoutMs)), limits.timeoutMs);
  });
  expired.catch(() => undefined);
  let bytes: Uint8Array;
  try {
    bytes = await readCapped(body, limits.maxBytes, () => tooLarge(limits.maxBytes), expired, limits.sizeHint);
  } finally {
    clearTimeout(timer);
  }
  if (bytes.length === 0) throw new HttpError(400, "empty_body", "The body is empty");
  return bytes;
}
