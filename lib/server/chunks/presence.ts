/**
 * Chunk presence for the commit path, scoped by vault (v2): a commit may
 * reference only chunks its vault holds.
 */
import type { Executor } from "../../events/store.ts";
import { chunkInfos } from "./service.ts";

/**
 * Looks up stored chunks of a vault.
 * @param db The database or open transaction.
 * @param vaultId Whose chunks.
 * @param ids Chunk ids (duplicates allowed).
 * @returns The stored size of each id that is present (not being deleted).
 */
export async function storedChunkSizesInVault(db: Executor, vaultId: string, ids: readonly string[]): Promise<Map<string, number>> {
  const infos = await chunkInfos(db, vaultId, ids);
  return new Map([...infos].map(([id, info]) => [id, info.size]));
}
