/**
 * The keyed gear table of the content-defined chunker (DESIGN §2 rule 6, K1).
 *
 * Derivation (part of the format: changing it changes every chunk boundary
 * and so every chunk id):
 *
 *   block(i) = HMAC-SHA-256(key = seed, msg = UTF-8("syncagent gear v1") || BE32(i)), i = 0..31
 *   stream   = block(0) || block(1) || … || block(31)          (1,024 bytes)
 *   table[j] = BE32(stream[4j .. 4j+3]) as a signed 32-bit integer, j = 0..255
 *
 * The table is stored as an `Int32Array` because JavaScript engines keep
 * signed 32-bit values unboxed in the scan loop (Bun scans twice as fast with
 * it as with a `Uint32Array`); the bit patterns are the same.
 */

/** A gear table: 256 pseudo-random 32-bit values, one per byte value. */
export type GearTable = Int32Array;

/** Number of entries in a gear table (one per byte value). */
export const GEAR_TABLE_ENTRIES = 256;

/** Length of the secret seed a gear table is derived from, bytes. */
export const GEAR_SEED_BYTES = 32;

/** Label prefixed to the block counter in the derivation. Part of the format. */
export const GEAR_TABLE_LABEL = "syncagent gear v1";

const HMAC_BYTES = 32;

/**
 * Derives the gear table from a secret seed with HMAC-SHA-256 (WebCrypto).
 * @param seed The 32-byte secret seed (an HKDF subkey of the vault's master key).
 * @returns A fresh 256-entry table; the same seed always gives the same table.
 */
export async function createGearTable(seed: Uint8Array): Promise<GearTable> {
  if (!(seed instanceof Uint8Array)) throw new TypeError("chunking: the gear seed must be a Uint8Array");
  if (seed.length !== GEAR_SEED_BYTES) {
    throw new RangeError(`chunking: the gear seed must be ${GEAR_SEED_BYTES} bytes, got ${seed.length}`);
  }
  const key = await crypto.subtle.importKey("raw", new Uint8Array(seed), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const label = new TextEncoder().encode(GEAR_TABLE_LABEL);
  const blockCount = (GEAR_TABLE_ENTRIES * 4) / HMAC_BYTES;
  const blocks = await Promise.all(
    Array.from({ length: blockCount }, (_, i) => {
      const message = new Uint8Array(label.length + 4);
      message.set(label);
      new DataView(message.buffer).setUint32(label.length, i, false);
      return crypto.subtle.sign("HMAC", key, message);
    }),
  );
  const stream = new Uint8Array(GEAR_TABLE_ENTRIES * 4);
  blocks.forEach((block, i) => stream.set(new Uint8Array(block), i * HMAC_BYTES));
  const view = new DataView(stream.buffer);
  const table = new Int32Array(GEAR_TABLE_ENTRIES);
  for (let j = 0; j < GEAR_TABLE_ENTRIES; j++) table[j] = view.getInt32(j * 4, false);
  return table;
}

/**
 * Checks that a value is a usable gear table.
 * @param table The value to check.
 * @returns Nothing; throws a TypeError naming the problem otherwise.
 */
export function assertGearTable(table: unknown): asserts table is GearTable {
  if (!(table instanceof Int32Array) || table.length !== GEAR_TABLE_ENTRIES) {
    throw new TypeError("chunking: a gear table is an Int32Array of 256 entries (see createGearTable)");
  }
}
