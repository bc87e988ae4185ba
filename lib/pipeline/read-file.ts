import { open } from "node:fs/promises";

/** Default piece size, bytes. */
export const READ_PIECE_BYTES = 2 << 20;

/**
 * Reads a file as pieces of two alternating buffers: the next read runs
 * while the consumer handles the current piece, and nothing is allocated
 * per piece. A piece is valid only until the consumer asks for the one after
 * next, so the consumer must copy what it keeps (the chunker does).
 * @param path The file.
 * @param pieceBytes Largest piece. @default 2 MiB
 * @param start Offset of the first byte read (resuming after a cut point). @default 0
 * @returns The file's bytes from `start` on, in order.
 */
export async function* readFilePieces(path: string, pieceBytes = READ_PIECE_BYTES, start = 0): AsyncGenerator<Uint8Array, void, undefined> {
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`Not a file offset: ${start}`);
  const handle = await open(path, "r");
  try {
    const buffers = [new Uint8Array(pieceBytes), new Uint8Array(pieceBytes)];
    let position = start;
    let which = 0;
    let pending = handle.read(buffers[which]!, 0, pieceBytes, position);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) return;
      const current = buffers[which]!.subarray(0, bytesRead);
      position += bytesRead;
      which ^= 1;
      pending = handle.read(buffers[which]!, 0, pieceBytes, position);
      yield current;
    }
  } finally {
    await handle.close();
  }
}
