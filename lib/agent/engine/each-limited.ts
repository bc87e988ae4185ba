/**
 * Runs work over many items, a bounded number at once, with as many
 * workers as may run: the memory is that of the workers, not of a promise
 * and a closure queued up front for each of 50,000 files.
 */

/**
 * Calls `work` for every item, at most `limit` at once, in the items' order.
 * @param items The items.
 * @param limit Most calls running at once (at least 1).
 * @param work The work for one item; it handles its own failures (one that throws stops its worker and rejects).
 * @returns When every call has finished.
 */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.min(Math.max(1, limit), items.length); i++) workers.push(worker());
  await Promise.all(workers);
}
