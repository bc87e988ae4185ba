/** Options shared by the chunking entry points. */

import type { GearTable } from "./gear.ts";
import type { ChunkSizeOptions } from "./params.ts";

/** A gear table plus optional chunk sizes. */
export interface ChunkerOptions extends ChunkSizeOptions {
  /** The keyed gear table (see createGearTable). */
  table: GearTable;
}
