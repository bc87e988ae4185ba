/**
 * The uploader (A6, A7, K1, K2): reads a file, cuts it into content-defined
 * chunks, encrypts them, asks the server which it lacks and stores those,
 * sharing requests with every other file being uploaded. Each stored chunk
 * of a large file is recorded, so an interrupted upload resumes after the
 * last confirmed chunk. Resolves once every chunk is on the server; the
 * engine then commits the version.
 */
import { open } from "node:fs/promises";
import { createGearTable, type GearTable } from "../../chunking/gear.ts";
import { resolveChunkParams, type ChunkSizeOptions } from "../../chunking/params.ts";
import { encryptedChunkLength } from "../../crypto/chunk.ts";
import { CHUNK_HEADER_BYTES, encryptChunkInPlace } from "../../crypto/chunk-in-place.ts";
import type { Keyring } from "../../crypto/keyring.ts";
import { contentHash, type ManifestChunk } from "../../crypto/manifest.ts";
import type { EpochKeys } from "../../crypto/subkeys.ts";
import { encryptStream } from "../../pipeline/encrypt-stream.ts";
import { readFilePieces } from "../../pipeline/read-file.ts";
import type { HttpTarget } from "../client/http.ts";
import type { ChunkIndex } from "./chunk-index.ts";
import { ChunkSender, SMALL_CHUNK_BYTES, type ChunkSenderOptions } from "./chunk-sender.ts";
import { FileChangedError, readStamp, sameContentStamp, type FileStamp } from "./file-stamp.ts";
import { asError, Budget, throwIfAborted } from "./limits.ts";
import type { ConfirmedChunk, UploadProgressStore } from "./upload-progress.ts";

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
  /** Most encrypted bytes read but not yet confirmed stored, over all files. @default 64 MiB */
  inFlightBytes?: number;
  /** Batching and PUT tuning. */
  sender?: ChunkSenderOptions;
  /** Progress: plaintext bytes of the file confirmed stored so far. */
  onBytes?: (path: string, done: number, total: number) => void;
}

/** A chunk read and encrypted, ready to send. */
interface ReadyChunk {
  id: string;
  size: number;
  data: Uint8Array;
  release(): void;
}

/** Uploads files' chunks, many files at once, in few requests. */
export class Uploader {
  readonly #options: UploaderOptions;
  readonly #sender: ChunkSender;
  readonly #readers: Budget;
  readonly #smallReaders: Budget;
  readonly #bytes: Budget;
  readonly #tables = new Map<number, Promise<GearTable>>();
  readonly #minSize: number;
  #reading = 0;
  #closed = false;

  /**
   * @param options Server, keys, stores and tuning.
   */
  constructor(options: UploaderOptions) {
    this.#options = options;
    this.#minSize = resolveChunkParams(options.chunkSizes).minSize;
    this.#sender = new ChunkSender(options.client, options.sender);
    this.#readers = new Budget(options.concurrency ?? 2);
    this.#smallReaders = new Budget(options.smallConcurrency ?? 16);
    this.#bytes = new Budget(options.inFlightBytes ?? 64 * 1024 * 1024);
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
    const multi = expected.size > this.#minSize;
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
    const controller = new AbortController();
    const inner = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
    const tasks: Promise<void>[] = [];
    const chunks: ManifestChunk[] = [];
    let failure: Error | undefined;
    const fail = (error: unknown) => {
      if (failure === undefined) failure = asError(error);
      controller.abort(error);
    };
    try {
      await slots.acquire(1, signal);
      setActive(true);
      try {
        const now = await readStamp(absPath);
        if (!now || !sameContentStamp(now, expected) || (now.mode & 0o170000) !== 0o100000) throw new FileChangedError(relPath);
        const progress = this.#options.progress;
        const confirmed = multi ? await progress.resume(relPath, expected, keys.epoch) : [];
        for (const c of confirmed) chunks.push({ id: c.id, size: c.size });
        const start = confirmed.reduce((sum, c) => sum + c.size, 0);
        let done = start;
        let offset = start;
        let index = confirmed.length;
        this.#options.onBytes?.(relPath, done, expected.size);
        const send = async (chunk: ReadyChunk, entry: ConfirmedChunk): Promise<void> => {
          try {
            if (await this.#sender.isMissing(chunk.id, inner)) {
              const stored = this.#sender.store(chunk.id, chunk.data, inner);
              this.#kick();
              await stored;
            }
            if (multi) await progress.record(relPath, expected, keys.epoch, entry);
            done += chunk.size;
            this.#options.onBytes?.(relPath, done, expected.size);
          } finally {
            this.#bytes.release(chunk.data.length);
            chunk.release();
          }
        };
        for await (const chunk of this.#read(relPath, absPath, start, expected.size, keys, inner)) {
          if (failure !== undefined) {
            chunk.release();
            break;
          }
          if (!this.#bytes.tryAcquire(chunk.data.length)) {
            setActive(false);
            try {
              await this.#bytes.acquire(chunk.data.length, inner);
            } catch (error) {
              chunk.release();
              throw error;
            } finally {
              setActive(true);
            }
          }
          const entry: ConfirmedChunk = { index: index++, offset, id: chunk.id, size: chunk.size };
          chunks.push({ id: chunk.id, size: chunk.size });
          offset += chunk.size;
          tasks.push(send(chunk, entry).catch(fail));
        }
        if (failure !== undefined) throw failure;
        const after = await readStamp(absPath);
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

  /** The file's chunks from `start`, encrypted; small ones copied into buffers of their own. */
  async *#read(relPath: string, absPath: string, start: number, size: number, keys: EpochKeys, signal: AbortSignal): AsyncGenerator<ReadyChunk, void, undefined> {
    const rest = size - start;
    if (rest <= 0) return;
    if (rest <= this.#minSize) {
      yield await readOneChunk(relPath, absPath, start, rest, keys);
      return;
    }
    const options = { table: await this.#table(keys), ...this.#options.chunkSizes };
    for await (const sealed of encryptStream(readFilePieces(absPath, undefined, start), keys, options)) {
      throwIfAborted(signal);
      if (sealed.data.length <= SMALL_CHUNK_BYTES) {
        const data = sealed.data.slice();
        sealed.release();
        yield { id: sealed.id, size: sealed.size, data, release: () => undefined };
      } else {
        yield sealed;
      }
    }
  }
}

/**
 * Reads the rest of a file that is one chunk (no longer than the smallest
 * chunk: the chunker cuts it whole) and encrypts it in its own buffer.
 */
async function readOneChunk(relPath: string, absPath: string, start: number, size: number, keys: EpochKeys): Promise<ReadyChunk> {
  const buffer = new Uint8Array(encryptedChunkLength(size));
  const handle = await open(absPath, "r");
  try {
    let got = 0;
    while (got < size) {
      const { bytesRead } = await handle.read(buffer, CHUNK_HEADER_BYTES + got, size - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    // A file that grew meanwhile is caught by the stamp check after reading.
    if (got !== size) throw new FileChangedError(relPath);
  } finally {
    await handle.close();
  }
  const sealed = await encryptChunkInPlace(keys, buffer, size);
  return { id: sealed.id, size, data: sealed.data, release: () => undefined };
}
