/**
 * Reading a whole stream into memory under a byte cap: the one reader of
 * request bodies (JSON, chunk uploads) and of small S3 answers. Pieces are
 * copied into one buffer as they arrive (sized by the announced length when
 * there is one), so none is kept until the end: a 4 MiB upload leaves no
 * pile of pieces for the garbage collector to promote and sweep.
 */

/** First buffer of a body whose length was not announced, once a second piece arrives. */
const MIN_GROW_BYTES = 64 * 1024;

/**
 * Reads a stream into one buffer. Past `max` bytes, or when `until`
 * rejects first (a deadline), the rest of the stream is cancelled and the
 * error is thrown.
 * @param body The stream.
 * @param max Most bytes accepted.
 * @param tooLong Makes the error thrown past `max`.
 * @param until Optional: a promise that rejects when reading must stop (its rejection is thrown).
 * @param sizeHint Optional: the length the sender announced (Content-Length); a wrong one costs a copy, never a wrong answer.
 * @returns The bytes (without a hint, the single piece itself when only one arrived).
 */
export async function readCapped(body: ReadableStream<Uint8Array>, max: number, tooLong: () => Error, until?: Promise<never>, sizeHint?: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const hinted = sizeHint !== undefined && Number.isSafeInteger(sizeHint) && sizeHint > 0 && sizeHint <= max;
  let buffer: Uint8Array | undefined = hinted ? new Uint8Array(sizeHint) : undefined;
  let first: Uint8Array | undefined;
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await (until ? Promise.race([reader.read(), until]) : reader.read());
      if (done) break;
      const start = size;
      size += value.byteLength;
      if (size > max) throw tooLong();
      if (!buffer && !first) {
        first = value;
        continue;
      }
      if (!buffer || size > buffer.byteLength) {
        const grown = new Uint8Array(Math.min(max, Math.max(size, 2 * (buffer?.byteLength ?? 0), MIN_GROW_BYTES)));
        if (buffer) grown.set(buffer.subarray(0, start));
        else if (first) grown.set(first);
        first = undefined;
        buffer = grown;
      }
      buffer.set(value, start);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  if (first) return first;
  if (!buffer) return new Uint8Array(0);
  return size === buffer.byteLength ? buffer : buffer.subarray(0, size);
}
