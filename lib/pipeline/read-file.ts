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
 * @returns The file's bytes, in order.
 */
export async function* readFilePieces(path: string, pieceBytes = READ_PIECE_BYTES): AsyncGenerator<Uint8Array, void, undefined> {
  const handle = await open(path, "r");
  try {
    const buffers = [new Uint8Array(pieceBytes), new Uint8Array(pieceBytes)];
    let position = 0;
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
