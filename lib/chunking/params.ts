/**
 * Chunk-size parameters of FastCDC and their validation. The cut masks are
 * derived here once, so the scan loop only reads numbers.
 */

/** Sizes a caller may choose; every field is optional and defaults to {@link DEFAULT_CHUNK_SIZES}. */
export interface ChunkSizeOptions {
  /** Smallest chunk, bytes (the last chunk of a file may be smaller). */
  minSize?: number;
  /** Target average chunk, bytes; the cut masks have round(log2(avgSize)) bits. */
  avgSize?: number;
  /** Largest chunk, bytes: a chunk is cut here when no content boundary came first. */
  maxSize?: number;
  /** Normalisation level 0–3: mask bits added before avgSize and removed after it. */
  normalization?: number;
}

/** Validated parameters with their derived masks, as the scan loop uses them. */
export interface ChunkParams {
  /** Smallest chunk, bytes. */
  readonly minSize: number;
  /** Target average chunk, bytes. */
  readonly avgSize: number;
  /** Largest chunk, bytes. */
  readonly maxSize: number;
  /** Normalisation level, 0–3. */
  readonly normalization: number;
  /** round(log2(avgSize)). */
  readonly bits: number;
  /** Stricter mask used from minSize to avgSize: the top (bits + normalization) bits. */
  readonly maskSmall: number;
  /** Looser mask used from avgSize to maxSize: the top (bits - normalization) bits. */
  readonly maskLarge: number;
}

/** Default sizes (K1): min 1 MiB, average 4 MiB, max 8 MiB, normalisation level 2. */
export const DEFAULT_CHUNK_SIZES: Readonly<Required<ChunkSizeOptions>> = Object.freeze({
  minSize: 1 << 20,
  avgSize: 4 << 20,
  maxSize: 8 << 20,
  normalization: 2,
});

/** Smallest allowed minSize, bytes (twice the 32-byte window of the gear hash). */
export const MIN_CHUNK_SIZE_FLOOR = 64;

/** Largest allowed maxSize, bytes (1 GiB; the streaming buffer holds two of them). */
export const MAX_CHUNK_SIZE_CEILING = 1 << 30;

/** Highest normalisation level (FastCDC defines levels 0 to 3). */
export const MAX_NORMALIZATION = 3;

/**
 * Returns a mask of the top `bits` bits of a 32-bit word, as a signed integer.
 * @param bits Number of bits, 1–32.
 * @returns The mask.
 */
function topBitsMask(bits: number): number {
  return (-1 << (32 - bits)) | 0;
}

function requireInteger(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new RangeError(`chunking: ${name} must be an integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Validates chunk sizes and derives the cut masks.
 * @param options Sizes to use; missing fields take the defaults.
 * @returns Frozen sizes with the derived masks, as findBoundary and Chunker use them.
 */
export function resolveChunkParams(options: ChunkSizeOptions = {}): ChunkParams {
  const d = DEFAULT_CHUNK_SIZES;
  const minSize = requireInteger("minSize", options.minSize ?? d.minSize);
  const avgSize = requireInteger("avgSize", options.avgSize ?? d.avgSize);
  const maxSize = requireInteger("maxSize", options.maxSize ?? d.maxSize);
  const normalization = requireInteger("normalization", options.normalization ?? d.normalization);
  if (minSize < MIN_CHUNK_SIZE_FLOOR) {
    throw new RangeError(`chunking: minSize must be at least ${MIN_CHUNK_SIZE_FLOOR} bytes, got ${minSize}`);
  }
  if (!(minSize < avgSize)) {
    throw new RangeError(`chunking: minSize (${minSize}) must be less than avgSize (${avgSize})`);
  }
  if (!(avgSize < maxSize)) {
    throw new RangeError(`chunking: avgSize (${avgSize}) must be less than maxSize (${maxSize})`);
  }
  if (maxSize > MAX_CHUNK_SIZE_CEILING) {
    throw new RangeError(`chunking: maxSize must be at most ${MAX_CHUNK_SIZE_CEILING} bytes, got ${maxSize}`);
  }
  if (normalization < 0 || normalization > MAX_NORMALIZATION) {
    throw new RangeError(`chunking: normalization must be between 0 and ${MAX_NORMALIZATION}, got ${normalization}`);
  }
  const bits = Math.round(Math.log2(avgSize));
  if (bits + normalization > 32) {
    throw new RangeError(
      `chunking: avgSize ${avgSize} with normalization ${normalization} needs ${bits + normalization}-bit masks; the gear hash has 32`,
    );
  }
  return Object.freeze({
    minSize,
    avgSize,
    maxSize,
    normalization,
    bits,
    maskSmall: topBitsMask(bits + normalization),
    maskLarge: topBitsMask(bits - normalization),
  });
}
