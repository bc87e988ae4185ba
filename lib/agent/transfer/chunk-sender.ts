/**
 * The upload side's traffic with the server, shared by every file being
 * uploaded: missing-chunk queries batched across files, small chunks sent
 * many per `POST /api/chunks/batch`, large ones by `PUT` a few at a time.
 * `busy` answers are retried; nothing here knows a file name.
 */
import { findMissingChunks, isChunkBusy, MAX_BATCH_CHUNKS, MAX_MISSING_IDS, putChunk, uploadChunkBatch } from "../client/chunks.ts";
import { NetworkError, type HttpTarget } from "../client/http.ts";
import { Batcher, type BatchEntry } from "./batcher.ts";
import { Budget, delay } from "./limits.ts";

/** Encrypted chunks up to this size go into shared batch requests; larger ones by PUT. */
export const SMALL_CHUNK_BYTES = 256 * 1024;

/** Tuning of a {@link ChunkSender}. */
export interface ChunkSenderOptions {
  /** Most bytes of one batch upload. @default 16 MiB */
  batchBytes?: number;
  /** Longest a query or small chunk waits for company while files are being read, ms. @default 250 */
  lingerMs?: number;
  /** PUT requests at once. @default 4 */
  putConcurrency?: number;
  /** Attempts for a `busy` chunk before giving up. @default 20 */
  busyAttempts?: number;
}

interface Outgoing {
  id: string;
  data: Uint8Array;
  attempts: number;
}

/** Batched, bounded chunk uploads. */
export class ChunkSender {
  readonly #target: HttpTarget;
  readonly #missing: Batcher<string, boolean>;
  readonly #batches: Batcher<Outgoing, void>;
  readonly #puts: Budget;
  readonly #busyAttempts: number;
  /** Requests sent, by kind (for tests and metrics). */
  readonly counts = { missing: 0, batch: 0, put: 0 };

  /**
   * @param target Server and token.
   * @param options Batch bounds, linger and concurrency.
   */
  constructor(target: HttpTarget, options: ChunkSenderOptions = {}) {
    this.#target = target;
    const lingerMs = options.lingerMs ?? 250;
    this.#busyAttempts = options.busyAttempts ?? 20;
    this.#puts = new Budget(options.putConcurrency ?? 4);
    this.#missing = new Batcher<string, boolean>({
      maxItems: MAX_MISSING_IDS,
      maxWeight: Number.POSITIVE_INFINITY,
      lingerMs,
      maxInFlight: 2,
      send: (entries) => this.#sendMissing(entries),
    });
    this.#batches = new Batcher<Outgoing, void>({
      maxItems: MAX_BATCH_CHUNKS,
      maxWeight: options.batchBytes ?? 16 * 1024 * 1024,
      lingerMs,
      maxInFlight: 2,
      send: (entries) => this.#sendBatch(entries),
    });
  }

  /**
   * Whether the server lacks a chunk (asked together with other callers' ids).
   * @param id Chunk id.
   * @param signal Cancels the wait.
   * @returns True when the chunk must be uploaded.
   */
  isMissing(id: string, signal?: AbortSignal): Promise<boolean> {
    return this.#missing.add(id, 1, signal);
  }

  /**
   * Stores one chunk: in a shared batch when small, by PUT otherwise.
   * @param id Chunk id.
   * @param data Encrypted bytes (kept until sent; not modified).
   * @param signal Cancels it.
   * @returns When the server confirmed it stored (or already held).
   */
  async store(id: string, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (data.length <= SMALL_CHUNK_BYTES) return this.#batches.add({ id, data, attempts: 0 }, data.length, signal);
    await this.#puts.acquire(1, signal);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          this.counts.put++;
          await putChunk(this.#target, id, data, signal);
          return;
        } catch (error) {
          if (!isChunkBusy(error) || attempt >= this.#busyAttempts) throw error;
          const after = Number(error.body.retryAfterSeconds);
          await delay(Math.min(2000, Number.isFinite(after) && after > 0 ? after * 1000 : 100 * attempt), signal);
        }
      }
    } finally {
      this.#puts.release(1);
    }
  }

  /** Sends queued queries and small chunks now: no more are coming soon. */
  flush(): void {
    this.#missing.flush();
    this.#batches.flush();
  }

  async #sendMissing(entries: BatchEntry<string, boolean>[]): Promise<void> {
    const ids = entries.filter((e) => !e.signal?.aborted).map((e) => e.item);
    this.counts.missing++;
    const missing = ids.length > 0 ? await findMissingChunks(this.#target, ids) : new Set<string>();
    for (const e of entries) e.resolve(missing.has(e.item));
  }

  async #sendBatch(entries: BatchEntry<Outgoing, void>[]): Promise<void> {
    const live = entries.filter((e) => !e.settled && !e.signal?.aborted);
    if (live.length === 0) return;
    const unique = new Map<string, Outgoing>();
    for (const e of live) if (!unique.has(e.item.id)) unique.set(e.item.id, e.item);
    this.counts.batch++;
    const results = await uploadChunkBatch(this.#target, [...unique.values()]);
    const again: BatchEntry<Outgoing, void>[] = [];
    for (const e of live) {
      const status = results.get(e.item.id);
      if (status === "stored" || status === "exists") e.resolve();
      else if (++e.item.attempts >= this.#busyAttempts) {
        e.reject(new NetworkError(status === "busy" ? "The server stayed busy for a chunk" : "A chunk arrived corrupted at the server, repeatedly"));
      } else again.push(e);
    }
    if (again.length > 0) {
      // A short pause lets the server finish what made it busy.
      await delay(Math.min(1000, 50 * again[0]!.item.attempts));
      this.#batches.requeue(again);
    }
  }
}
