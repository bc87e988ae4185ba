/**
 * The byte budget of a page (S1): a page of the change log, the snapshot,
 * a folder listing or a history stops once its rows' variable-size fields
 * (payloads, manifests, names, chunk ids) pass the budget, and always holds
 * at least one row. Readers first read the rows' sizes, then only the rows
 * that fit, so a page never loads more than the budget and one row.
 */

/** Bytes of one page's variable-size fields, at most (past one row). */
export const PAGE_BYTES = 8 * 1024 * 1024;

/** Bytes one chunk id adds to a served item (64 hex, quotes and a comma). */
export const CHUNK_ID_BYTES = 67;

/**
 * How many leading rows fit in a budget: at least one (when there is one).
 * @param sizes The rows' sizes, in page order.
 * @param budget The budget in bytes.
 * @returns The count of rows to serve.
 */
export function fitting(sizes: readonly number[], budget: number = PAGE_BYTES): number {
  let total = 0;
  for (let i = 0; i < sizes.length; i++) {
    total += sizes[i] ?? 0;
    if (total > budget && i > 0) return i;
  }
  return sizes.length;
}
