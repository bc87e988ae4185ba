/**
 * Gathers items from many concurrent callers into few requests: a batch
 * goes out when it is full (items or weight), when the owner says no more is
 * coming soon (`flush`), or when its oldest item has waited `lingerMs`. At
 * most `maxInFlight` requests run at once; what arrives meanwhile fills the
 * next one, so batches grow with the server's latency.
 */
import { asError, throwIfAborted } from "./limits.ts";

/** One queued item and how to settle it. */
export interface BatchEntry<I, R> {
  item: I;
  weight: number;
  resolve(result: R): void;
  reject(error: unknown): void;
  /** True once resolved or rejected. */
  settled: boolean;
  /** True while waiting in the queue (not in a request). */
  queued: boolean;
  signal: AbortSignal | undefined;
}

/** How a {@link Batcher} batches. */
export interface BatcherOptions<I, R> {
  /** Most items in one request. */
  maxItems: number;
  /** Most weight (bytes) in one request. */
  maxWeight: number;
  /** Longest an item waits for company, ms. */
  lingerMs: number;
  /** Requests at once. */
  maxInFlight: number;
  /** Sends one batch; must settle every entry (any left unsettled are rejected). */
  send(entries: BatchEntry<I, R>[]): Promise<void>;
}

/** Batches items of concurrent callers into shared requests. */
export class Batcher<I, R> {
  readonly #options: BatcherOptions<I, R>;
  #queue: BatchEntry<I, R>[] = [];
  #queuedWeight = 0;
  #inFlight = 0;
  #oldest = 0;
  #flushRequested = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Requests sent so far. */
  requests = 0;

  /**
   * @param options Bounds, linger, concurrency and the send function.
   */
  constructor(options: BatcherOptions<I, R>) {
    this.#options = options;
  }

  /** Items waiting to be sent. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Queues one item.
   * @param item The item.
   * @param weight Its weight toward `maxWeight`.
   * @param signal Takes it out of the queue when aborted before it is sent (rejects with the reason).
   * @returns Its result.
   */
  add(item: I, weight: number, signal?: AbortSignal): Promise<R> {
    throwIfAborted(signal);
    return new Promise<R>((resolve, reject) => {
      const entry: BatchEntry<I, R> = {
        item,
        weight,
        signal,
        settled: false,
        queued: false,
        resolve: (result) => {
          if (entry.settled) return;
          entry.settled = true;
          signal?.removeEventListener("abort", onAbort);
          resolve(result);
        },
        reject: (error) => {
          if (entry.settled) return;
          entry.settled = true;
          signal?.removeEventListener("abort", onAbort);
          reject(asError(error));
        },
      };
      const onAbort = () => {
        const at = this.#queue.indexOf(entry);
        if (at >= 0) {
          this.#queue.splice(at, 1);
          this.#queuedWeight -= entry.weight;
        }
        entry.reject(signal!.reason instanceof Error ? signal!.reason : new DOMException("Aborted", "AbortError"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#enqueue(entry);
    });
  }

  /**
   * Puts entries back at the front of the queue (a `busy` answer), to go out with the next request.
   * @param entries Entries of a batch that must be sent again.
   */
  requeue(entries: BatchEntry<I, R>[]): void {
    const live = entries.filter((e) => !e.settled);
    for (const e of live) e.queued = true;
    this.#queue = [...live, ...this.#queue];
    for (const e of live) this.#queuedWeight += e.weight;
    if (live.length > 0 && this.#queue.length === live.length) this.#oldest = Date.now();
    this.#pump();
  }

  /** Sends what is queued as soon as a request slot is free, without waiting for the linger. */
  flush(): void {
    if (this.#queue.length === 0) return;
    this.#flushRequested = true;
    this.#pump();
  }

  #enqueue(entry: BatchEntry<I, R>): void {
    if (this.#queue.length === 0) this.#oldest = Date.now();
    entry.queued = true;
    this.#queue.push(entry);
    this.#queuedWeight += entry.weight;
    this.#pump();
  }

  #ready(): boolean {
    const o = this.#options;
    if (this.#queue.length === 0) return false;
    return (
      this.#flushRequested ||
      this.#queue.length >= o.maxItems ||
      this.#queuedWeight >= o.maxWeight ||
      Date.now() - this.#oldest >= o.lingerMs
    );
  }

  #pump(): void {
    while (this.#inFlight < this.#options.maxInFlight && this.#ready()) this.#sendOne();
    if (this.#queue.length === 0) this.#flushRequested = false;
    if (this.#queue.length > 0 && this.#timer === undefined && this.#inFlight < this.#options.maxInFlight) {
      const wait = Math.max(0, this.#options.lingerMs - (Date.now() - this.#oldest));
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#pump();
      }, wait);
    }
  }

  #sendOne(): void {
    const o = this.#options;
    const batch: BatchEntry<I, R>[] = [];
    let weight = 0;
    while (this.#queue.length > 0 && batch.length < o.maxItems) {
      const next = this.#queue[0]!;
      if (batch.length > 0 && weight + next.weight > o.maxWeight) break;
      this.#queue.shift();
      next.queued = false;
      this.#queuedWeight -= next.weight;
      weight += next.weight;
      batch.push(next);
    }
    this.#oldest = Date.now();
    if (this.#queue.length === 0) this.#flushRequested = false;
    this.#inFlight++;
    this.requests++;
    const finish = (error?: unknown) => {
      for (const e of batch) if (!e.queued) e.reject(error ?? new Error("A batched request ended without an answer for this item"));
      this.#inFlight--;
      this.#pump();
    };
    o.send(batch).then(
      () => finish(),
      (error: unknown) => finish(error),
    );
  }
}
