/**
 * Length hiding (DESIGN §2 rule 5): every chunk, manifest and name is padded
 * inside its ciphertext, so the server sees a size bucket, not a length.
 *
 * Encoding (unambiguous): `data ‖ 0x80 ‖ 0x00 … 0x00`, to a padded length
 * chosen from `data.length + 1` only. The reader strips the zeros and the
 * 0x80 marker, and refuses any padding that is not the canonical one.
 */

/** Smallest padded manifest, bytes: below it every manifest looks the same. */
export const MANIFEST_PAD_FLOOR = 1024;
/**
 * Smallest padded chunk, bytes (the same as manifests): a file of at most
 * 1 KiB is one chunk, and every such chunk has one stored size, at a cost
 * of at most 1 KiB per tiny file.
 */
export const CHUNK_PAD_FLOOR = 1024;
/** Names are padded to a multiple of this, bytes. */
export const NAME_PAD_STEP = 32;

function bitLength(value: number): number {
  // Exact for safe integers: Math.log2 may round at powers of two.
  let bits = Math.floor(Math.log2(value)) + 1;
  while (2 ** (bits - 1) > value) bits--;
  while (2 ** bits <= value) bits++;
  return bits;
}

/**
 * Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
 * Communication with PURBs", PETS 2019): with E = ⌊log2 L⌋ and
 * S = ⌊log2 E⌋ + 1, the low E − S bits of L are rounded up. A padded length
 * leaks O(log log L) bits. The overhead is below 2^-S: under 12 % for any
 * length, under 6.25 % from 256 bytes and under 3.2 % from 64 KiB up.
 * @param length A length ≥ 1, bytes.
 * @returns The padded length, ≥ `length`.
 */
export function padme(length: number): number {
  if (!Number.isSafeInteger(length) || length < 1) throw new RangeError(`Padmé needs a length ≥ 1, got ${length}`);
  if (length < 4) return length;
  const e = bitLength(length) - 1;
  const s = bitLength(e);
  const step = 2 ** (e - s);
  return Math.ceil(length / step) * step;
}

/**
 * Padded length of a chunk's plaintext: Padmé of length + 1 (for the
 * marker), but never below {@link CHUNK_PAD_FLOOR}, so a small file's
 * length does not show (without the floor 10 B → 12, 100 B → 104).
 * @param size Plaintext length.
 * @returns Bytes that are encrypted.
 */
export function paddedChunkLength(size: number): number {
  return padme(Math.max(size + 1, CHUNK_PAD_FLOOR));
}

/**
 * Padded length of a manifest's plaintext: Padmé, but never below
 * {@link MANIFEST_PAD_FLOOR}, so small manifests (most files, all folders)
 * share one size whatever their name's length.
 * @param size Plaintext length.
 * @returns Bytes that are encrypted.
 */
export function paddedManifestLength(size: number): number {
  return padme(Math.max(size + 1, MANIFEST_PAD_FLOOR));
}

/**
 * Padded length of a name (deterministic, so equal names still give equal
 * ciphertexts): the next multiple of 32 of length + 1. A name of at most 255
 * bytes falls in one of 8 buckets (32 … 256), leaking at most 3 bits; Padmé
 * would leave names under 16 bytes, most of them, at their exact length.
 * @param size Name length, bytes.
 * @returns Bytes that are encrypted.
 */
export function paddedNameLength(size: number): number {
  return Math.ceil((size + 1) / NAME_PAD_STEP) * NAME_PAD_STEP;
}

/**
 * Pads data into a new array: `data ‖ 0x80 ‖ zeros`.
 * @param data The bytes.
 * @param padded Total length wanted, > `data.length`.
 * @returns The padded copy.
 */
export function pad(data: Uint8Array, padded: number): Uint8Array<ArrayBuffer> {
  if (padded <= data.length) throw new RangeError("Padding needs room for its marker");
  const out = new Uint8Array(padded);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/**
 * Strips canonical padding.
 * @param padded Padded bytes (authenticated already).
 * @param expected Maps an unpadded length to its padded length; the padding must be exactly that.
 * @returns A view of the data, or `undefined` when the padding is not canonical.
 */
export function unpad(padded: Uint8Array, expected: (size: number) => number): Uint8Array<ArrayBuffer> | undefined {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80) return undefined;
  if (expected(end) !== padded.length) return undefined;
  return padded.subarray(0, end) as Uint8Array<ArrayBuffer>;
}
