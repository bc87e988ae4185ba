import type { EncryptedChunk } from "../crypto/chunk.ts";
import { contentHash, type ManifestChunk } from "../crypto/manifest.ts";
import type { EpochKeys } from "../crypto/subkeys.ts";

/** What a file's manifest needs from its chunks. */
export interface FileSummary {
  size: number;
  chunks: ManifestChunk[];
  contentHash: string;
}

/**
 * Collects chunk ids and sizes as chunks pass by, then computes the file's
 * content hash: the manifest's data without reading the file twice.
 */
export class FileSummaryBuilder {
  readonly #chunks: ManifestChunk[] = [];
  #size = 0;

  /**
   * Records one chunk, in file order.
   * @param chunk An encrypted chunk.
   */
  add(chunk: EncryptedChunk): void {
    this.#chunks.push({ id: chunk.id, size: chunk.size });
    this.#size += chunk.size;
  }

  /**
   * Finishes the summary.
   * @param keys The keys of the epoch the chunks were made with (and the manifest will be sealed with).
   * @returns Size, ordered chunks and content hash.
   */
  async finish(keys: EpochKeys): Promise<FileSummary> {
    return { size: this.#size, chunks: [...this.#chunks], contentHash: await contentHash(keys, this.#size, this.#chunks) };
  }
}
