/**
 * The uploader (A6, A7, K1, K2): reads a file, cuts it into content-defined
 * chunks, encrypts them, asks the server which it lacks and stores those,
 * sharing requests with every other file being uploaded. Each stored chunk
 * of a large file is recorded, so an interrupted upload resumes after the
 * last confirmed chunk. Resolves once every chunk is on the server; the
 * engine then commits the version.
 */
import { setMaxListeners } from "node:events";
import { closeSync, constants, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { createGearTable, type GearTable } from "../../chunking/gear.ts";
import { resolveChunkParams, type ChunkParams, type ChunkSizeOptions } from "../../chunking/params.ts";
import { encryptedChunkLength } from "../../crypto/chunk.ts";
import { CHUNK_HEADER_BYTES, encryptChunkInPlace } from "../../crypto/chunk-in-place.ts";
import type { Keyring } from "../../crypto/keyring.ts";
import { contentHash, type ManifestChunk } from "../../crypto/manifest.ts";
import type { EpochKeys } from "../../crypto/subkeys.ts";
import { BufferPool } from "../../pipeline/buffer-pool.ts";
import { readChunkAt } from "../../pipeline/read-chunk.ts";
import { hintGarbageCollection } from "../../runtime/gc.ts";
import type { HttpTarget } from "../client/http.ts";
import type { ChunkIndex } from "./chunk-index.ts";
import { ChunkSender, type ChunkSenderOptions } from "./chunk-sender.ts";
import { FileChangedError, readStamp, sameContentStamp, type FileStamp } from "./file-stamp.ts";
import { asError, Budget, childController, throwIfAborted } from "./limits.ts";
import type { ConfirmedChunk, UploadProgressStore } from "./upload-progress.ts";

/** Default byte budget of an {@link Uploader}: three or four chunk buffers of the default sizes. */
export const DEFAULT_IN_FLIGHT_BYTES = 32 * 1024 * 1024;

/** What an upload produced: what the engine needs to commit the version. */
export interface UploadResult {
  /** The file's stamp, unchanged from the start to the end of reading. */
  stamp: FileStamp;
  size: number;
  chunks: ManifestChunk[];
  contentHash: string;
  /** The key epoch of the chunk ids and content hash (seal the manifest with it). */
  epoch: number;
}

/** How an {@link Uploader} works. */
export interface UploaderOptions {
  client: HttpTarget;
  keyring: Keyring;
  progress: UploadProgressStore;
  index: ChunkIndex;
  /** Chunk sizes. @default DEFAULT_CHUNK_SIZES */
  chunkSizes?: ChunkSizeOptions;
  /** Files of more than one chunk read at once. @default 2 */
  concurrency?: number;
  /** Files of one chunk read at once. @default 16 */
  smallConcurrency?: number;
  /**
   * Most bytes of chunk buffers held at once (read, being encrypted, or waiting to be confirmed stored), over all
   * files: the upload's memory. One chunk larger than that still goes when nothing else is held. @default 32 MiB
   */
  inFlightBytes?: number;
  /** Batching and PUT tuning. */
  sender?: ChunkSenderOptions;
  /** Progress: plaintext bytes of the file confirmed stored so far. */
  onBytes?: (path: string, done: number, total: number) => void;
}

/** One chunk of the file being uploaded: where it is and, once encrypted, its id. */
interface Piece {
  entry: ConfirmedChunk;
  /** Bytes of byte budget it holds now. */
  held: number;
}

/** Uploads files' chunks, many files at once, in few requests. */
export class Uploader {
  readonly #options: UploaderOptions;
  readonly #sender: ChunkSender;
  readonly #readers: Budget;
  readonly #smallReaders: Budget;
  readonly #bytes: Budget;
  readonly #tables = new Map<number, Promise<GearTable>>();
  readonly #params: ChunkParams;
  /** Chunk buffers shared by every file: a chunk is read, encrypted and sent from one. */
  readonly #pool: BufferPool;
  readonly #bufferBytes: number;
  #reading = 0;
  #closed = false;

  /**
   * @param options Server, keys, stores and tuning.
   */
  constructor(options: UploaderOptions) {
    this.#options = options;
    this.#params = resolveChunkParams(options.chunkSizes);
    this.#sender = new ChunkSender(options.client, options.sender);
    this.#readers = new Budget(options.concurrency ?? 2);
    this.#smallReaders = new Budget(options.smallConcurrency ?? 16);
    const inFlight = options.inFlightBytes ?? DEFAULT_IN_FLIGHT_BYTES;
    this.#bytes = new Budget(inFlight);
    this.#bufferBytes = encryptedChunkLength(this.#params.maxSize);
    this.#pool = new BufferPool(this.#bufferBytes, Math.max(1, Math.floor(inFlight / this.#bufferBytes)) + 1);
  }

  /** Requests sent so far, by kind. */
  get requestCounts(): { missing: number; batch: number; put: number } {
    return { ...this.#sender.counts };
  }

  /**
   * Reads, chunks, encrypts and stores every chunk of the file the server
   * lacks; resolves when all are stored. Call it for many files at once: the
   * uploader bounds reading itself and shares requests between them.
   * @param relPath The file relative to the sync folder (local bookkeeping only; never sent).
   * @param absPath The file.
   * @param expected Its stamp when scanned.
   * @param signal Cancels the upload (rejects with its reason).
   * @returns Size, chunks, content hash and epoch for the manifest.
   * @throws FileChangedError when the file is not as `expected` before or after reading; ServerError, NetworkError.
   */
  async upload(relPath: string, absPath: string, expected: FileStamp, signal?: AbortSignal): Promise<UploadResult> {
    if (this.#closed) throw new Error("The uploader is closed");
    throwIfAborted(signal);
    const keys = this.#options.keyring.current;
    const multi = expected.size > this.#params.minSize;
    const slots = multi ? this.#readers : this.#smallReaders;
    // Active: holds a reading slot and is not waiting for byte budget. When
    // none is, nothing new is coming soon: queued requests go out at once.
    let active = false;
    const setActive = (on: boolean) => {
      if (active === on) return;
      active = on;
      this.#reading += on ? 1 : -1;
      if (!on) this.#kick();
    };
    const link = childController(signal);
    const controller = link.controller;
    const inner = controller.signal;
    // Each chunk's requests listen to it: a file of many chunks is not a listener leak.
    if (multi) setMaxListeners(0, inner);
    const tasks: Promise<void>[] = [];
    const chunks: ManifestChunk[] = [];
    let failure: Error | undefined;
    const fail = (error: unknown) => {
      if (failure === undefined) failure = asError(error);
      controller.abort(error);
    };
    /** Takes `n` bytes of budget, marking this upload idle while it waits. */
    const budget = async (n: number): Promise<void> => {
      if (this.#bytes.tryAcquire(n)) return;
      setActive(false);
      try {
        await this.#bytes.acquire(n, inner);
      } finally {
        setActive(true);
      }
    };
    try {
      // Waiting on this upload's own signal: thousands of waiting files add nothing to the caller's.
      await slots.acquire(1, inner);
      setActive(true);
      try {
        const now = readStamp(absPath);
        if (!now || !sameContentStamp(now, expected) || (now.mode & 0o170000) !== 0o100000) throw new FileChangedError(relPath);
        const progress = this.#options.progress;
        const confirmed = multi ? await progress.resume(relPath, expected, keys.epoch) : [];
        for (const c of confirmed) chunks.push({ id: c.id, size: c.size });
        const start = confirmed.reduce((sum, c) => sum + c.size, 0);
        let done = start;
        let offset = start;
        this.#options.onBytes?.(relPath, done, expected.size);
        /** Encrypts a chunk read into `buffer` and stores it if the server lacks it; gives its memory back. */
        const send = async (piece: Piece, buffer: Uint8Array, fromPool: boolean): Promise<void> => {
          let pooled = fromPool;
          try {
            const sealed = await encryptChunkInPlace(keys, buffer, piece.entry.size);
            chunks[piece.entry.index] = { id: sealed.id, size: sealed.size };
            piece.entry.id = sealed.id;
            let data: Uint8Array = sealed.data;
            if (pooled && data.length <= this.#bufferBytes / 4) {
              // A short chunk does not keep a whole chunk buffer (and its budget) while it waits to be sent.
              const own = data.slice();
              this.#pool.release(buffer);
              pooled = false;
              this.#bytes.release(piece.held - own.length);
              piece.held = own.length;
              data = own;
            }
            // Asked while no file is being read (this one's reading ended before its encryption did): nothing
            // else is coming soon, so the question goes out now instead of lingering for company.
            const missing = this.#sender.isMissing(sealed.id, inner);
            this.#kick();
            if (await missing) {
              const stored = this.#sender.store(sealed.id, data, inner);
              this.#kick();
              await stored;
            }
            if (multi) await progress.record(relPath, expected, keys.epoch, piece.entry);
            done += piece.entry.size;
            this.#options.onBytes?.(relPath, done, expected.size);
          } finally {
            if (pooled) this.#pool.release(buffer);
            this.#bytes.release(piece.held);
            // The request's copies of a large chunk just became garbage.
            if (fromPool) hintGarbageCollection(piece.held);
          }
        };
        const rest = expected.size - start;
        if (rest > 0 && rest <= this.#params.minSize) {
          // One chunk (the chunker cuts it whole): read into a buffer of its own size.
          const held = encryptedChunkLength(rest);
          await budget(held);
          let buffer: Uint8Array;
          try {
            buffer = await readWhole(relPath, absPath, start, rest);
          } catch (error) {
            this.#bytes.release(held);
            throw error;
          }
          const entry: ConfirmedChunk = { index: chunks.length, offset, id: "", size: rest };
          chunks.push({ id: "", size: rest });
          offset += rest;
          tasks.push(send({ entry, held }, buffer, false).catch(fail));
        } else if (rest > 0) {
          const table = await this.#table(keys);
          const handle = await open(absPath, "r");
          try {
            while (offset < expected.size) {
              if (failure !== undefined) break;
              throwIfAborted(inner);
              await budget(this.#bufferBytes);
              const buffer = this.#pool.acquire(this.#bufferBytes);
              let read: { size: number; complete: boolean };
              try {
                read = await readChunkAt(handle, buffer, CHUNK_HEADER_BYTES, offset, expected.size, table, this.#params);
                if (!read.complete) throw new FileChangedError(relPath);
              } catch (error) {
                this.#pool.release(buffer);
                this.#bytes.release(this.#bufferBytes);
                throw error;
              }
              const entry: ConfirmedChunk = { index: chunks.length, offset, id: "", size: read.size };
              chunks.push({ id: "", size: read.size });
              offset += read.size;
              tasks.push(send({ entry, held: this.#bufferBytes }, buffer, true).catch(fail));
            }
          } finally {
            await handle.close();
          }
        }
        if (failure !== undefined) throw failure;
        const after = readStamp(absPath);
        if (!after || !sameContentStamp(after, expected) || offset !== expected.size) {
          await progress.clear(relPath);
          throw new FileChangedError(relPath);
        }
      } finally {
        setActive(false);
        slots.release(1);
      }
      await Promise.all(tasks);
      const late = failure as Error | undefined;
      if (late) throw late;
      throwIfAborted(signal);
      if (multi) await this.#options.progress.clear(relPath);
      return {
        stamp: expected,
        size: expected.size,
        chunks,
        contentHash: await contentHash(keys, expected.size, chunks),
        epoch: keys.epoch,
      };
    } catch (error) {
      controller.abort(error);
      setActive(false);
      await Promise.allSettled(tasks);
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : error;
      throw failure ?? error;
    } finally {
      link.unlink();
    }
  }

  /** Stops accepting uploads. @returns When done. */
  close(): Promise<void> {
    this.#closed = true;
    this.#sender.flush();
    return Promise.resolve();
  }

  /** No file is being read: what is queued will not get company soon, so send it. */
  #kick(): void {
    if (this.#reading === 0) this.#sender.flush();
  }

  #table(keys: EpochKeys): Promise<GearTable> {
    let table = this.#tables.get(keys.epoch);
    if (!table) {
      table = createGearTable(keys.chunkerGearSeed);
      this.#tables.set(keys.epoch, table);
    }
    return table;
  }
}

/** Files up to this size are read in one go on this thread: microseconds of work, no trips through the thread pool. */
const READ_NOW_MAX_BYTES = 64 * 1024;

/**
 * Reads the rest of a file that is one chunk (no longer than the smallest
 * chunk: the chunker cuts it whole) into a buffer of its own, ready to be
 * encrypted in place. A small one is read synchronously (open, read, close
 * cost more CPU as three trips through the thread pool than as calls).
 */
async function readWhole(relPath: string, absPath: string, start: number, size: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(encryptedChunkLength(size));
  let got = 0;
  /** Reads until the buffer is full or the file ends; `read` reads at an offset of the rest. */
  const fill = async (read: (at: number) => number | Promise<number>): Promise<void> => {
    while (got < size) {
      const bytesRead = await read(got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
  };
  if (size <= READ_NOW_MAX_BYTES) {
    // Non-blocking: a FIFO swapped in since the stamp check must not stall the thread (no effect on a regular file).
    const fd = openSync(absPath, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      await fill((at) => readSync(fd, buffer, CHUNK_HEADER_BYTES + at, size - at, start + at));
    } finally {
      closeSync(fd);
    }
  } else {
    const handle = await open(absPath, "r");
    try {
      await fill(async (at) => (await handle.read(buffer, CHUNK_HEADER_BYTES + at, size - at, start + at)).bytesRead);
    } finally {
      await handle.close();
    }
  }
  // A file that grew meanwhile is caught by the stamp check after reading.
  if (got !== size) throw new FileChangedError(relPath);
  return buffer;
}
