/**
 * Collects items (changed paths) and hands them over in batches: after a
 * quiet period with no new item (a trailing debounce), and at the latest
 * `maxWaitMs` after the first item of a batch, so a constant stream of
 * changes still makes progress.
 */

/** Options of {@link createBatcher}. */
export interface BatcherOptions<T> {
  /** Quiet period after the last item before a batch is flushed, ms. */
  quietMs: number;
  /** Longest time an item waits, ms (flush even if items keep coming). */
  maxWaitMs: number;
  /** Receives each non-empty batch. */
  flush: (items: Set<T>) => void;
}

/** A running batcher. */
export interface Batcher<T> {
  /** Adds an item to the current batch. */
  add(item: T): void;
  /** Number of items waiting. */
  readonly size: number;
  /** Stops the timers and forgets what is waiting. */
  close(): void;
}

/**
 * Creates a batcher.
 * @param options Quiet period, longest wait and the flush function.
 * @returns The batcher.
 */
export function createBatcher<T>(options: BatcherOptions<T>): Batcher<T> {
  let items = new Set<T>();
  let quiet: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let closed = false;

  const fire = (): void => {
    clearTimeout(quiet);
    clearTimeout(deadline);
    quiet = deadline = undefined;
    const batch = items;
    items = new Set();
    if (batch.size > 0) options.flush(batch);
  };

  return {
    add(item) {
      if (closed) return;
      items.add(item);
      clearTimeout(quiet);
      quiet = setTimeout(fire, options.quietMs);
      deadline ??= setTimeout(fire, Math.max(options.maxWaitMs, options.quietMs));
    },
    get size() {
      return items.size;
    },
    close() {
      closed = true;
      clearTimeout(quiet);
      clearTimeout(deadline);
      items.clear();
    },
  };
}
