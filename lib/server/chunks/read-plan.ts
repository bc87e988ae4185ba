/**
 * How a batch download reads its chunks (S6): packed chunks that lie one
 * after another in the same pack, in the order they are asked for, are read
 * with one ranged read of the pack instead of one each, so a download of
 * 2,000 small chunks opens a few packs rather than 2,000 times. Small gaps
 * between them are read and dropped. Pure: no I/O.
 */
import type { PackRef } from "./pack.ts";

/** Most bytes one merged read spans: the bound on what a read holds in memory. */
export const MAX_RUN_BYTES = 256 * 1024;
/** Largest gap between two packed chunks that still joins them in one read. */
export const MAX_RUN_GAP = 16 * 1024;

/** One read of a batch download: a run of packed chunks of one pack, or a single chunk read on its own. */
export type PlannedRead<T> =
  | { kind: "run"; key: string; offset: number; length: number; members: { item: T; at: number; length: number }[] }
  | { kind: "single"; item: T };

/**
 * Groups the chunks of a batch download, keeping their order, into reads.
 * @param items The chunks in the order they are sent.
 * @param packOf Where a chunk lies in a pack, or null (a standalone object, or a missing chunk).
 * @returns The reads, in order; every item is in exactly one.
 */
export function planReads<T>(items: readonly T[], packOf: (item: T) => PackRef | null): PlannedRead<T>[] {
  const reads: PlannedRead<T>[] = [];
  let run: Extract<PlannedRead<T>, { kind: "run" }> | undefined;
  for (const item of items) {
    const pack = packOf(item);
    if (!pack) {
      run = undefined;
      reads.push({ kind: "single", item });
      continue;
    }
    const end = run ? run.offset + run.length : 0;
    const joins =
      run !== undefined &&
      run.key === pack.key &&
      pack.offset >= end &&
      pack.offset - end <= MAX_RUN_GAP &&
      pack.offset + pack.length - run.offset <= MAX_RUN_BYTES;
    if (run && joins) {
      run.members.push({ item, at: pack.offset - run.offset, length: pack.length });
      run.length = pack.offset + pack.length - run.offset;
      continue;
    }
    run = { kind: "run", key: pack.key, offset: pack.offset, length: pack.length, members: [{ item, at: 0, length: pack.length }] };
    reads.push(run);
  }
  return reads;
}
