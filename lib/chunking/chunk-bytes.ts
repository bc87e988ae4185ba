/** One-shot chunking of bytes already in memory. */

import { findBoundary } from "./fastcdc.ts";
import { assertGearTable } from "./gear.ts";
import type { ChunkerOptions } from "./options.ts";
import { resolveChunkParams } from "./params.ts";

/**
 * Splits a whole input into content-defined chunks without copying.
 * @param data The complete input.
 * @param options Gear table and chunk sizes.
 * @returns Views into `data`, in order; empty for empty input.
 */
export function chunkBytes(data: Uint8Array, options: ChunkerOptions): Uint8Array[] {
  assertGearTable(options.table);
  const params = resolveChunkParams(options);
  const chunks: Uint8Array[] = [];
  let start = 0;
  while (start < data.length) {
    const cut = findBoundary(options.table, data, start, data.length, params);
    chunks.push(data.subarray(start, cut));
    start = cut;
  }
  return chunks;
}
