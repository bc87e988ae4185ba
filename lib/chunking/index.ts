/** Content-defined chunking (K1): keyed FastCDC with normalised chunking. */

export { createGearTable, assertGearTable, GEAR_TABLE_LABEL, GEAR_SEED_BYTES, GEAR_TABLE_ENTRIES } from "./gear.ts";
export type { GearTable } from "./gear.ts";
export {
  resolveChunkParams,
  DEFAULT_CHUNK_SIZES,
  MIN_CHUNK_SIZE_FLOOR,
  MAX_CHUNK_SIZE_CEILING,
  MAX_NORMALIZATION,
} from "./params.ts";
export type { ChunkParams, ChunkSizeOptions } from "./params.ts";
export type { ChunkerOptions } from "./options.ts";
export { findBoundary } from "./fastcdc.ts";
export { chunkBytes } from "./chunk-bytes.ts";
export { Chunker } from "./chunker.ts";
export { chunkStream } from "./stream.ts";
export type { ByteSource } from "./stream.ts";
export { openFileStream, DEFAULT_READ_SIZE } from "./file-stream.ts";
