import { fromHex } from "../../lib/crypto/bytes.ts";
import { deriveVaultKeys, type VaultKeys } from "../../lib/crypto/subkeys.ts";

/** The fixed master key of the known-answer tests. */
export const KAT_MASTER_KEY = fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
/** The fixed nonce of the known-answer tests. */
export const KAT_NONCE = fromHex("a0a1a2a3a4a5a6a7a8a9aaab");

/**
 * Vault keys of the fixed test master key.
 * @returns The keys.
 */
export function katKeys(): Promise<VaultKeys> {
  return deriveVaultKeys(KAT_MASTER_KEY);
}

/**
 * Keys of a second, unrelated vault.
 * @returns The keys.
 */
export function otherKeys(): Promise<VaultKeys> {
  return deriveVaultKeys(fromHex("ff".repeat(32)));
}

/**
 * Returns a copy of `bytes` with byte `index` XOR-ed with `mask`.
 * @param bytes Source.
 * @param index Position to flip.
 * @param mask Bits to flip. @default 1
 * @returns The altered copy.
 */
export function flipped(bytes: Uint8Array, index: number, mask = 1): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes);
  copy[index] = (copy[index] ?? 0) ^ mask;
  return copy;
}

/**
 * Awaits a promise expected to reject and returns the error.
 * @param promise The operation.
 * @returns What it threw.
 */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("Expected the operation to fail, but it succeeded");
}
