/**
 * A web `ReadableStream` over an open file, built on `node:fs/promises` so it
 * behaves the same on Node, Deno and Bun. Each piece is a fresh buffer the
 * consumer owns. The file handle is closed when the stream ends, fails or is
 * cancelled.
 */
import type { FileHandle } from "node:fs/promises";

/** Default largest piece, bytes. */
export const DEFAULT_FILE_READ_SIZE = 256 * 1024;

/** Smallest buffer allocated for one read, bytes. */
const MIN_READ_BUFFER = 4096;

/**
 * Streams the rest of the file behind `handle`, then closes it.
 * @param handle An open file.
 * @param readSize Largest piece, bytes. @default 256 KiB
 * @param sizeHint Bytes expected (the file's size): reads near the end allocate only what is left.
 * @returns The stream.
 */
export function fileReadStream(handle: FileHandle, readSize = DEFAULT_FILE_READ_SIZE, sizeHint = Infinity): ReadableStream<Uint8Array> {
  let remaining = sizeHint;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const size = Math.min(readSize, Math.max(remaining, MIN_READ_BUFFER));
        const buffer = new Uint8Array(size);
        const { bytesRead } = await handle.read(buffer, 0, size, null);
        if (bytesRead === 0) {
          await close();
          controller.close();
          return;
        }
        remaining = Math.max(0, remaining - bytesRead);
        controller.enqueue(bytesRead === size ? buffer : buffer.subarray(0, bytesRead));
      } catch (error) {
        await close().catch(() => undefined);
        controller.error(error);
      }
    },
    async cancel() {
      await close();
    },
  });
}
