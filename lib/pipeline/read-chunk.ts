import type { FileHandle } from "node:fs/promises";
import { findBoundary } from "../chunking/fastcdc.ts";
import type { GearTable } from "../chunking/gear.ts";
import type { ChunkParams } from "../chunking/params.ts";

/** One chunk read straight into its own buffer. */
export interface ReadChunk {
  /** Plaintext bytes of the chunk, at `buffer[gap, gap + size)`. */
  size: number;
  /** False when the file ended before the bytes asked for (it shrank since it was scanned). */
  complete: boolean;
}

/**
 * Reads the chunk that starts at `position` straight into `buffer` (after a
 * `gap` left for a header) and finds where it ends: the bytes after the cut
 * are simply read again as the start of the next chunk, so no window buffer
 * is kept and no byte is copied between buffers. Reads at most
 * `params.maxSize` bytes (or up to `end`): the same bytes the streaming
 * chunker's decision needs, so the cut is the one `chunkStream` finds (the
 * format's content-defined boundaries).
 * @param handle The open file.
 * @param buffer Room for `gap + min(maxSize, end - position)` bytes at least.
 * @param gap Bytes left free at the start of `buffer`.
 * @param position File offset of the chunk's first byte (a cut point, or 0).
 * @param end File offset the content ends at (its size when scanned).
 * @param table The vault's gear table.
 * @param params Chunk sizes and masks.
 * @returns The chunk's size, and whether every byte asked for was there.
 */
export async function readChunkAt(
  handle: FileHandle,
  buffer: Uint8Array,
  gap: number,
  position: number,
  end: number,
  table: GearTable,
  params: ChunkParams,
): Promise<ReadChunk> {
  const want = Math.min(params.maxSize, end - position);
  if (!(want > 0) || buffer.length < gap + want) throw new RangeError(`No room for a chunk of up to ${want} bytes`);
  let got = 0;
  while (got < want) {
    const { bytesRead } = await handle.read(buffer, gap + got, want - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  if (got < want) return { size: got, complete: false };
  // The window ends at `end` when fewer than maxSize bytes are left: the last cuts of the input.
  return { size: findBoundary(table, buffer, gap, gap + got, params) - gap, complete: true };
}
