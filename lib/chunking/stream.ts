/** Async chunking of a byte stream (a file, a request body…). */

import { Chunker } from "./chunker.ts";
import type { ChunkerOptions } from "./options.ts";

/** A source of bytes: a web ReadableStream or any async iterable of byte pieces. */
export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Tells a web ReadableStream (from any realm or runtime) from another async iterable.
 * @param source The source to test.
 * @returns Whether it has a reader interface.
 */
function isReadableStream(source: ByteSource): source is ReadableStream<Uint8Array> {
  return typeof (source as Partial<ReadableStream<Uint8Array>>).getReader === "function";
}

/**
 * Iterates a ReadableStream with a reader, cancelling it when the consumer stops early.
 * @param stream The stream to read.
 * @returns Its pieces, in order.
 */
async function* readAll(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const result = await reader.read();
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!done) await reader.cancel();
    reader.releaseLock();
  }
}

/**
 * Splits a stream into content-defined chunks, holding at most 2 × maxSize
 * bytes of window plus the piece being read.
 * @param source The bytes to chunk.
 * @param options Gear table and chunk sizes.
 * @returns An async generator of chunks (fresh copies the caller owns); none for empty input.
 */
export async function* chunkStream(source: ByteSource, options: ChunkerOptions): AsyncGenerator<Uint8Array, void, undefined> {
  const chunker = new Chunker(options);
  const pieces = isReadableStream(source) ? readAll(source) : source;
  for await (const piece of pieces) {
    for (const chunk of chunker.push(piece)) yield chunk;
  }
  for (const chunk of chunker.finish()) yield chunk;
}
