/**
 * The download side's traffic with the server, shared by every file being
 * downloaded: chunks asked for many per `POST /api/chunks/fetch` (planned by
 * their stored size, within the server's 4,096 chunks and 32 MiB), and each
 * frame handed to its downloads as it arrives.
 */
import { DEFAULT_CHUNK_SIZES } from "../../chunking/params.ts";
import { encryptedChunkLength } from "../../crypto/chunk.ts";
import { BufferPool } from "../../pipeline/buffer-pool.ts";
import { hintGarbageCollection } from "../../runtime/gc.ts";
import { fetchChunks, MAX_BATCH_CHUNKS, MAX_FETCH_BYTES } from "../client/chunks.ts";
import type { HttpTarget } from "../client/http.ts";
import { Batcher, type BatchEntry } from "./batcher.ts";
import { Budget } from "./limits.ts";

/** Frames of at least this many bytes are read into recycled buffers. */
const POOLED_FRAME_BYTES = 1 << 20;

/** Default {@link ChunkFetcherOptions.heldBytes}: two of the largest chunks of the default sizes. */
export const DEFAULT_HELD_BYTES = 24 * 1024 * 1024;

/** One chunk wanted by one download. */
interface Wanted {
  id: string;
  /**
   * Called with the verified frame bytes (null: the server lacks the chunk).
   * The bytes are lent: they must not be changed, and not be used once the
   * returned promise settles (the buffer is recycled for a later frame).
   */
  deliver(bytes: Uint8Array | null): Promise<void>;
}

/** Tuning of a {@link ChunkFetcher}. */
export interface ChunkFetcherOptions {
  /** Longest a wanted chunk waits for company, ms. @default 20 */
  lingerMs?: number;
  /** Fetch requests at once. @default 3 */
  maxInFlight?: number;
  /** Most stored bytes asked for in one request. @default 32 MiB */
  maxBytes?: number;
  /** Frames being decrypted and written at once, per request. @default 16 */
  parallelDeliveries?: number;
  /**
   * Most received bytes not yet handed back by their downloads (decrypted and
   * written), over all requests: the downloads' memory. A frame larger than
   * that is still read when nothing else is held. @default 24 MiB
   */
  heldBytes?: number;
}

/** Batched chunk downloads. */
export class ChunkFetcher {
  readonly #target: HttpTarget;
  readonly #batches: Batcher<Wanted, void>;
  readonly #parallel: number;
  readonly #held: Budget;
  /** Buffers of large frames, recycled once their downloads are done with them. */
  readonly #frames: BufferPool;
  /** Fetch requests sent (for tests and metrics). */
  requests = 0;
  /** Stored bytes received. */
  bytes = 0;

  /**
   * @param target Server and token.
   * @param options Linger, concurrency, request size.
   */
  constructor(target: HttpTarget, options: ChunkFetcherOptions = {}) {
    this.#target = target;
    this.#parallel = options.parallelDeliveries ?? 16;
    const held = options.heldBytes ?? DEFAULT_HELD_BYTES;
    this.#held = new Budget(held);
    const frameBytes = encryptedChunkLength(DEFAULT_CHUNK_SIZES.maxSize);
    this.#frames = new BufferPool(frameBytes, Math.max(1, Math.floor(held / frameBytes)) + 1);
    this.#batches = new Batcher<Wanted, void>({
      maxItems: MAX_BATCH_CHUNKS,
      maxWeight: options.maxBytes ?? MAX_FETCH_BYTES,
      lingerMs: options.lingerMs ?? 20,
      maxInFlight: options.maxInFlight ?? 3,
      send: (entries) => this.#send(entries),
    });
  }

  /**
   * Asks for one chunk, together with other callers' chunks.
   * @param id Chunk id.
   * @param size Its plaintext size (plans the request by its stored size).
   * @param deliver Receives the bytes.
   * @param signal Drops the wish while it is still queued.
   * @returns When `deliver` finished (rejects with its error).
   */
  fetch(id: string, size: number, deliver: (bytes: Uint8Array | null) => Promise<void>, signal?: AbortSignal): Promise<void> {
    return this.#batches.add({ id, deliver }, encryptedChunkLength(size), signal);
  }

  /** Sends what is queued now: no more wishes are coming soon. */
  flush(): void {
    this.#batches.flush();
  }

  /** A large frame goes into a recycled buffer; a small one into its own. */
  readonly #allocate = (length: number): Uint8Array =>
    length >= POOLED_FRAME_BYTES ? this.#frames.acquire(length).subarray(0, length) : new Uint8Array(length);

  async #send(entries: BatchEntry<Wanted, void>[]): Promise<void> {
    const byId = new Map<string, BatchEntry<Wanted, void>[]>();
    for (const e of entries) {
      if (e.settled) continue;
      const list = byId.get(e.item.id);
      if (list) list.push(e);
      else byId.set(e.item.id, [e]);
    }
    if (byId.size === 0) return;
    this.requests++;
    // Frames are handed over as they arrive; a few deliveries run at once
    // (decrypting and writing overlap the next frames), bounded in count per
    // request and in bytes over all requests: a frame's bytes are read only
    // once the budget has room for them.
    const running = new Set<Promise<void>>();
    let reserved = 0;
    const reserve = async (length: number) => {
      await this.#held.acquire(length);
      reserved = length;
    };
    const deliverAll = async (list: BatchEntry<Wanted, void>[], bytes: Uint8Array | null, failure?: Error) => {
      for (const e of list) {
        if (e.settled) continue;
        if (failure) {
          e.reject(failure);
          continue;
        }
        try {
          await e.item.deliver(bytes);
          e.resolve();
        } catch (error) {
          e.reject(error);
        }
      }
    };
    try {
      for await (const frame of fetchChunks(this.#target, [...byId.keys()], { reserve, allocate: this.#allocate })) {
        const size = reserved;
        reserved = 0;
        this.bytes += frame.bytes?.length ?? 0;
        const job = deliverAll(byId.get(frame.id) ?? [], frame.bytes, frame.error).finally(() => {
          if (frame.bytes) this.#frames.release(frame.bytes);
          // A large chunk's plaintext and the response's pieces of its frame (each as large as the chunk) just
          // became garbage: both count, or a collection comes only once twice the policy's bytes pile up.
          if (size >= POOLED_FRAME_BYTES) hintGarbageCollection(2 * size);
          this.#held.release(size);
          running.delete(job);
        });
        running.add(job);
        while (running.size >= this.#parallel) await Promise.race(running);
      }
    } finally {
      // A frame reserved but cut short gives its room back.
      if (reserved > 0) this.#held.release(reserved);
      await Promise.all(running);
    }
  }
}
