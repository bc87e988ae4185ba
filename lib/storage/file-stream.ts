/**
 * A web `ReadableStream` over an open file, built on `node:fs/promises` so it
 * behaves the same on Node, Deno and Bun. The file handle is closed when the
 * stream ends, fails or is cancelled.
 */
import type { FileHandle } from "node:fs/promises";

const READ_SIZE = 256 * 1024;

/** Streams the whole file behind `handle`, then closes it. */
export function fileReadStream(handle: FileHandle): ReadableStream<Uint8Array> {
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const buffer = new Uint8Array(READ_SIZE);
        const { bytesRead } = await handle.read(buffer, 0, READ_SIZE, null);
        if (bytesRead === 0) {
          await close();
          controller.close();
          return;
        }
        controller.enqueue(bytesRead === READ_SIZE ? buffer : buffer.slice(0, bytesRead));
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
