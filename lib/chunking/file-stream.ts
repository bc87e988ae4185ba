/** Reading a file as a web ReadableStream through node:fs (works on Node, Bun and Deno). */

import { open } from "node:fs/promises";
import { fileReadStream } from "../fs/file-stream.ts";

/** Default read size, bytes. */
export const DEFAULT_READ_SIZE = 1 << 20;

/**
 * Opens a file for streaming. Each read allocates a fresh buffer (the consumer
 * owns it) sized to what is left of the file, capped at `highWaterMark`, so
 * small files do not cost a full-size buffer. One read runs ahead of the consumer.
 * @param path Path of the file.
 * @param highWaterMark Largest piece, bytes.
 * @returns A stream of the file's bytes; it closes the file at the end, on error and on cancel.
 */
export async function openFileStream(
  path: string,
  highWaterMark: number = DEFAULT_READ_SIZE,
): Promise<ReadableStream<Uint8Array>> {
  if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 1) {
    throw new RangeError(`chunking: highWaterMark must be a positive integer, got ${String(highWaterMark)}`);
  }
  const handle = await open(path, "r");
  let remaining: number;
  try {
    remaining = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  return fileReadStream(handle, highWaterMark, remaining);
}
