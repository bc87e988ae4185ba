/**
 * Hints that bursts of short-lived large buffers just became garbage.
 *
 * Bun (JavaScriptCore) collects large typed arrays lazily: the upload
 * pipeline peaked at 180 MB RSS there, against 127 MB with a hint after
 * each chunk, at the same throughput (scripts/bench/pipeline). Bun's
 * `gc(false)` schedules a collection without blocking, but under a long
 * transfer the garbage still piles up (an agent's heap grew from 60 to
 * 415 MB during one pass while its live buffers stayed near 50 MB). So once
 * enough large buffers were released since the last full collection, and
 * not more often than a few times a second, the hint forces one
 * (`gc(true)`, a few milliseconds for a heap of live transfer buffers).
 * Node and Deno (V8) collect external memory on their own schedule, and
 * expose no hint without a command-line flag: there this does nothing.
 */

/** The collector's entry points, as Bun exposes them. */
export interface GarbageCollector {
  gc(force: boolean): void;
}

/** When a hint forces a full collection. */
export interface CollectionPolicy {
  /** Bytes of large buffers released since the last full collection. @default 128 MiB */
  forceAfterBytes?: number;
  /** Least time between two full collections, ms. @default 250 */
  minIntervalMs?: number;
  /** Clock, ms. @default performance.now */
  now?: () => number;
}

/**
 * Makes a hint function over a collector.
 * @param collector The runtime's collector, or undefined where there is none.
 * @param policy When a hint forces a full collection.
 * @returns `hint(bytes)`: `bytes` of large buffers just became garbage.
 */
export function createCollectionHint(collector: GarbageCollector | undefined, policy: CollectionPolicy = {}): (bytes?: number) => void {
  if (!collector) return () => undefined;
  const forceAfter = policy.forceAfterBytes ?? 128 * 1024 * 1024;
  const minInterval = policy.minIntervalMs ?? 250;
  const now = policy.now ?? (() => performance.now());
  let released = 0;
  let last = -Infinity;
  return (bytes = 0) => {
    released += bytes;
    const t = now();
    if (released >= forceAfter && t - last >= minInterval) {
      released = 0;
      last = t;
      collector.gc(true);
      return;
    }
    collector.gc(false);
  };
}

const hint = createCollectionHint((globalThis as { Bun?: GarbageCollector }).Bun);

/**
 * Asks the runtime to collect garbage soon; forces a collection once enough
 * large buffers were released (see the module notes).
 * @param bytes Bytes of large buffers that just became garbage. @default 0
 */
export function hintGarbageCollection(bytes = 0): void {
  hint(bytes);
}
