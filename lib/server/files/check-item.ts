/**
 * The checks of one commit item against the path's current head and the
 * stored chunks (S4): pure, shared by the single and the bulk recorder.
 */
import type { Head } from "./heads.ts";
import type { ItemResult, VersionInput } from "./version-input.ts";

/** A failed or replayed item's result, or the accepted item's size. */
export type ItemCheck = { result: ItemResult; size?: undefined } | { result?: undefined; size: number };

/**
 * Checks an item.
 * @param input The item.
 * @param head The path's current head, or null.
 * @param chunkSizes Stored sizes of the account's chunks (at least those the item names, when present).
 * @returns A result to report, or the size of the version to record.
 */
export function checkItem(input: VersionInput, head: Head | null, chunkSizes: ReadonlyMap<string, number>): ItemCheck {
  const { pathId } = input;
  const headVersion = head?.version ?? 0;
  if (head && headVersion === input.parentVersion + 1 && head.manifest === input.manifest && head.kind === input.kind) {
    // The same commit again (a retry after a lost answer): report success.
    return { result: { pathId, status: "ok", version: head.version, seq: head.seq, replayed: true } };
  }
  if (headVersion !== input.parentVersion) {
    return {
      result: {
        pathId,
        status: "conflict",
        message: `Conflict: the head of this path is version ${headVersion}, not ${input.parentVersion}`,
        head,
      },
    };
  }
  if (input.kind === "delete" && (!head || head.kind === "delete")) {
    return { result: { pathId, status: "invalid", message: "Cannot delete: the path is not live" } };
  }
  if (input.kind !== "file" && input.chunks.length > 0) {
    return { result: { pathId, status: "invalid", message: `A ${input.kind} version has no chunks` } };
  }
  const missing = [...new Set(input.chunks)].filter((id) => !chunkSizes.has(id));
  if (missing.length > 0) {
    return { result: { pathId, status: "missing_chunks", message: `Missing chunks: upload ${missing.length} chunk(s) first`, missing } };
  }
  return { size: input.chunks.reduce((sum, id) => sum + (chunkSizes.get(id) ?? 0), 0) };
}
