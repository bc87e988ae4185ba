import { createHash } from "node:crypto";

/**
 * Where an account's chunk lives in the chunk store: SHA-256 of the account
 * id and the chunk id. Chunk ids are keyed hashes under each vault's key, so
 * two accounts never share content; keying objects per account means one
 * account can never overwrite or delete another's bytes, and several
 * accounts need no data migration (S6, tenancy).
 * @param accountId The owning account.
 * @param chunkId The chunk id (64 hex).
 * @returns The object key: 64 lowercase hex characters.
 */
export function storageKey(accountId: string, chunkId: string): string {
  return createHash("sha256").update(`syncagent-chunk\0${accountId}\0${chunkId}`).digest("hex");
}
