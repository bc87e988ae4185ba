/**
 * The chunk store the server tests use: the real LocalFS adapter in a
 * folder of the test's temp dir.
 */
import { openLocalChunkStore } from "../../../lib/storage/local.ts";
import type { ChunkStore } from "../../../lib/storage/port.ts";

/**
 * Opens a LocalFS chunk store in `dir`.
 * @param dir The folder.
 * @returns The store.
 */
export function openFolderStore(dir: string): Promise<ChunkStore> {
  return openLocalChunkStore(dir);
}
