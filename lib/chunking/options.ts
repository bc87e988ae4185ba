/** Options shared by the chunking entry points. */

import type { GearTable } from "./gear.ts";
import type { ChunkSizeOptions } from "./params.ts";

/** A gear table plus optional chunk sizes. */
export interface ChunkerOptions extends ChunkSizeOptions {
  /** The keyed gear table (see createGearTable). */
  table: GearTable;
  /**
   * Where each chunk is copied: returns a buffer of at least `size` bytes,
   * of which the chunk uses the first `size`. Lets a pipeline recycle chunk
   * buffers instead of allocating one per chunk. @default a fresh Uint8Array
   */
  chunkBuffer?: (size: number) => Uint8Array;
}
