import { createHash } from "node:crypto";

/**
 * Where a vault's chunk lives in the chunk store: SHA-256 of the vault id
 * and the chunk id. Chunk ids are keyed hashes under each vault's key, so
 * two vaults never share content; keying objects per vault means one vault
 * can never overwrite or delete another's bytes, and sharing a vault with
 * another account needs no data migration (S6, tenancy, v2).
 * @param vaultId The owning vault.
 * @param chunkId The chunk id (64 hex).
 * @returns The object key: 64 lowercase hex characters.
 */
export function storageKey(vaultId: string, chunkId: string): string {
  return createHash("sha256").update(`syncagent-chunk\0${vaultId}\0${chunkId}`).digest("hex");
}
