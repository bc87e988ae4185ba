/**
 * Reading a `put` body, which is either bytes in memory or a stream, one
 * piece at a time. When the reader stops early (a limit was hit, a write
 * failed) the source stream is cancelled, so its producer stops too.
 */

/** A `put` body: bytes already in memory, or a stream of them. */
export type ChunkBody = Uint8Array | ReadableStream<Uint8Array>;

/**
 * Yields the body's bytes in the pieces they arrive in. A stream that yields
 * anything other than `Uint8Array` fails with a `TypeError`. Leaving the loop
 * early cancels the stream.
 */
export async function* bodyPieces(body: ChunkBody): AsyncGenerator<Uint8Array, void, undefined> {
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  if (!(body instanceof ReadableStream)) {
    throw new TypeError("A chunk body must be a Uint8Array or a ReadableStream of Uint8Array");
  }
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      if (!(value instanceof Uint8Array)) {
        throw new TypeError("A chunk body stream must yield Uint8Array pieces");
      }
      if (value.byteLength > 0) yield value;
    }
  } finally {
    if (!finished) {
      // The producer learns that nobody will read the rest; its own failure
      // to cancel is not ours to report.
      await reader.cancel(new Error("chunk upload stopped")).catch(() => undefined);
    }
    reader.releaseLock();
  }
}
