/**
 * The downloader (A6, K3): assembles a file version into a temp file beside
 * its target — chunks already on this disk (the chunk index) are copied
 * after their id is checked, the others fetched in requests shared with
 * every other download — verifies it, and renames it over the target only
 * if the target is still what the engine saw. Any failure removes the temp
 * file and leaves the target untouched.
 */
import { setMaxListeners } from "node:events";
import { fchmodSync, fstatSync, futimesSync, renameSync, type Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { constantTimeEqual, fromHex } from "../../crypto/bytes.ts";
import { chunkIdBytes, decryptChunk } from "../../crypto/chunk.ts";
import { IntegrityError } from "../../crypto/errors.ts";
import type { Keyring } from "../../crypto/keyring.ts";
import { contentHash, type ManifestChunk } from "../../crypto/manifest.ts";
import type { EpochKeys } from "../../crypto/subkeys.ts";
import { isInsideFolder } from "../../platform/names.ts";
import type { HttpTarget } from "../client/http.ts";
import { Batcher } from "./batcher.ts";
import { ChunkFetcher, type ChunkFetcherOptions } from "./chunk-fetcher.ts";
import type { ChunkIndex, ChunkLocation } from "./chunk-index.ts";
import { LocalChangedError, readStamp, sameContentStamp, type FileStamp } from "./file-stamp.ts";
import { Budget, childController, throwIfAborted } from "./limits.ts";
import { createTempBeside, removeTemp } from "./temp-files.ts";

/** Longest a chunk-index lookup waits for company, ms: short beside the fetch that follows it (20 ms). */
const LOOKUP_LINGER_MS = 8;

/** The part of a file manifest a download needs. */
export interface DownloadManifest {
  size: number;
  mtimeMs: number;
  mode: number;
  chunks: ManifestChunk[];
  contentHash: string;
}

/** The server does not hold a chunk of the version (removed, or never uploaded). */
export class MissingChunkError extends Error {
  override name = "MissingChunkError";
  /**
   * @param relPath The file (local use only: not in the message).
   * @param chunkId The chunk the server lacks.
   */
  constructor(
    readonly relPath: string,
    readonly chunkId: string,
  ) {
    super(`The server does not hold chunk ${chunkId} of this file version: it cannot be downloaded`);
  }
}

/** How a {@link Downloader} works. */
export interface DownloaderOptions {
  client: HttpTarget;
  keyring: Keyring;
  index: ChunkIndex;
  /** The sync folder: targets and chunk-index paths must be inside it. */
  root: string;
  /** Downloads in progress at once (a file is open only while its bytes are written). @default 4096 */
  concurrency?: number;
  /**
   * fsync files of at least this many bytes before they are renamed into
   * place (smaller ones rely on the file system's rename ordering: an fsync
   * each would cost more than the transfer of many small files).
   * 0: every file; Infinity: none. @default 1 MiB
   */
  fsyncMinBytes?: number;
  /** Request tuning. */
  fetcher?: ChunkFetcherOptions;
  /** Progress: plaintext bytes of the file written so far. */
  onBytes?: (path: string, done: number, total: number) => void;
}

/** Downloads file versions, many at once, in few requests. */
export class Downloader {
  readonly #options: DownloaderOptions;
  readonly #fetcher: ChunkFetcher;
  readonly #slots: Budget;
  /**
   * Chunk-index lookups of concurrent downloads, asked together: as downloads finish and others start, a
   * few at a time, a lookup waits a little for company (one query for many files, not one for each).
   */
  readonly #lookups: Batcher<string, ChunkLocation | undefined>;
  #preparing = 0;
  #closed = false;

  /**
   * @param options Server, keys, chunk index, sync folder and tuning.
   */
  constructor(options: DownloaderOptions) {
    this.#options = options;
    this.#fetcher = new ChunkFetcher(options.client, options.fetcher);
    this.#slots = new Budget(options.concurrency ?? 4096);
    this.#lookups = new Batcher<string, ChunkLocation | undefined>({
      maxItems: 2000,
      maxWeight: Number.POSITIVE_INFINITY,
      lingerMs: LOOKUP_LINGER_MS,
      maxInFlight: 1,
      send: async (entries) => {
        const found = await options.index.lookup(entries.map((e) => e.item));
        for (const e of entries) e.resolve(found.get(e.item));
      },
    });
  }

  /** Fetch requests sent so far and stored bytes received. */
  get traffic(): { requests: number; bytes: number } {
    return { requests: this.#fetcher.requests, bytes: this.#fetcher.bytes };
  }

  /**
   * Assembles `manifest`'s content into a temp file beside absPath, verifies it, then renames it over absPath —
   * only if absPath is still as `expectLocal` says (null: must not exist). Sets mtime (manifest.mtimeMs) and mode
   * (manifest.mode & 0o777, so the exec bit survives). Returns the new file's stamp.
   * @param relPath The file relative to the sync folder (for the chunk index; never sent).
   * @param absPath The target, inside the sync folder; its folder must exist.
   * @param manifest Size, times, mode, chunks and content hash of the version.
   * @param expectLocal What the target looks like now, or null when it must not exist.
   * @param signal Cancels the download (rejects with its reason; no temp file is left).
   * @returns The stamp of the file written.
   * @throws LocalChangedError (target changed), IntegrityError (corrupt chunk or manifest), MissingChunkError, file-system errors.
   */
  async download(relPath: string, absPath: string, manifest: DownloadManifest, expectLocal: FileStamp | null, signal?: AbortSignal): Promise<FileStamp> {
    if (this.#closed) throw new Error("The downloader is closed");
    throwIfAborted(signal);
    if (!isInsideFolder(this.#options.root, absPath)) throw new RangeError("A download target must be inside the sync folder");
    const keys = await this.#epochOf(manifest);
    let preparing = false;
    const prepared = () => {
      if (!preparing) return;
      preparing = false;
      this.#preparing--;
      if (this.#preparing === 0) this.#fetcher.flush();
    };
    const temp: { file?: { path: string; handle: FileHandle } } = {};
    const writes = new Set<Promise<unknown>>();
    let written: Stats;
    let cancelled = false;
    let unlink = (): void => undefined;
    try {
      const link = childController(signal);
      unlink = link.unlink;
      const stop = link.controller;
      // Waiting on this download's own signal: thousands of waiting files add nothing to the caller's.
      await this.#slots.acquire(1, stop.signal);
      this.#preparing++;
      preparing = true;
      try {
        // The temp file is created when the first bytes are ready, so a
        // download waiting for the server holds no file open.
        let opening: Promise<FileHandle> | undefined;
        const tempHandle = (): Promise<FileHandle> =>
          (opening ??= createTempBeside(absPath).then((created) => {
            // No truncate to the size: every chunk is written, the last one ends at it (checked below).
            temp.file = created;
            return created.handle;
          }));
        // Distinct ids → every offset they are at.
        const places = new Map<string, { size: number; offsets: number[] }>();
        let offset = 0;
        for (const c of manifest.chunks) {
          const place = places.get(c.id);
          if (place) place.offsets.push(offset);
          else places.set(c.id, { size: c.size, offsets: [offset] });
          offset += c.size;
        }
        let done = 0;
        const write = async (plain: Uint8Array, at: readonly number[]) => {
          const handle = await tempHandle();
          for (const position of at) {
            let put = 0;
            while (put < plain.length) {
              const { bytesWritten } = await handle.write(plain, put, plain.length - put, position + put);
              put += bytesWritten;
            }
            done += plain.length;
          }
          this.#options.onBytes?.(relPath, done, manifest.size);
        };
        const remote = await this.#copyLocal(keys, places, write, signal);
        const fetchSignal = stop.signal;
        // Each chunk's wish listens to it: a file of many chunks is not a listener leak.
        if (remote.size > 8) setMaxListeners(0, fetchSignal);
        const fetches: Promise<void>[] = [];
        for (const [id, place] of remote) {
          const deliver = async (bytes: Uint8Array | null) => {
            if (cancelled) return;
            if (bytes === null) throw new MissingChunkError(relPath, id);
            const job = (async () => {
              const plain = await decryptChunk(this.#options.keyring, id, bytes);
              if (plain.length !== place.size) throw new IntegrityError("A chunk's size is not the one its file version lists");
              if (!cancelled) await write(plain, place.offsets);
            })();
            writes.add(job);
            try {
              await job;
            } finally {
              writes.delete(job);
            }
          };
          fetches.push(
            this.#fetcher.fetch(id, place.size, deliver, fetchSignal).catch((error: unknown) => {
              // One chunk failed: the file cannot be assembled; drop its other wishes.
              if (!stop.signal.aborted) stop.abort(error);
              throw error;
            }),
          );
        }
        prepared();
        const results = await Promise.allSettled(fetches);
        throwIfAborted(signal);
        if (stop.signal.aborted) throw stop.signal.reason;
        const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
        if (failed) throw failed.reason;
        const handle = await tempHandle();
        if (manifest.size >= (this.#options.fsyncMinBytes ?? 1 << 20)) await handle.sync();
        // Metadata calls on the open file and the rename run on this thread: each is microseconds of work,
        // where a trip through the thread pool costs several times that in CPU for every small file.
        const mtime = new Date(manifest.mtimeMs);
        futimesSync(handle.fd, mtime, mtime);
        fchmodSync(handle.fd, manifest.mode & 0o777);
        // The rename keeps inode, size and mtime: this is the new file's stamp.
        written = fstatSync(handle.fd);
        if (written.size !== manifest.size) throw new IntegrityError("The assembled file does not have the size its version lists");
        await handle.close();
        const local = readStamp(absPath);
        if (!sameContentStamp(local, expectLocal)) throw new LocalChangedError(relPath);
        throwIfAborted(signal);
        renameSync(handleFile(temp).path, absPath);
        temp.file = undefined;
      } finally {
        this.#slots.release(1);
      }
      const stamp: FileStamp = { size: written.size, mtimeMs: written.mtimeMs, ino: written.ino, mode: written.mode };
      await this.#options.index.recordFile(relPath, manifest.chunks, stamp);
      return stamp;
    } catch (error) {
      cancelled = true;
      prepared();
      await Promise.allSettled([...writes]);
      if (temp.file) {
        await temp.file.handle.close().catch(() => undefined);
        await removeTemp(temp.file.path).catch(() => undefined);
      }
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : error;
      throw error;
    } finally {
      prepared();
      unlink();
    }
  }

  /** Stops accepting downloads. @returns When done. */
  close(): Promise<void> {
    this.#closed = true;
    this.#fetcher.flush();
    return Promise.resolve();
  }

  /**
   * The epoch whose content-hash key gives the manifest's content hash: the
   * epoch its chunk ids are keyed with.
   */
  async #epochOf(manifest: DownloadManifest): Promise<EpochKeys> {
    const total = manifest.chunks.reduce((sum, c) => sum + c.size, 0);
    const ring = this.#options.keyring;
    if (total === manifest.size) {
      const want = fromHex(manifest.contentHash);
      for (const epoch of [ring.current.epoch, ...ring.epochs.reverse()]) {
        const keys = ring.epoch(epoch);
        if (constantTimeEqual(fromHex(await contentHash(keys, manifest.size, manifest.chunks)), want)) return keys;
      }
    }
    throw new IntegrityError("The file version's content hash does not match its chunks under any key epoch");
  }

  /**
   * Copies the chunks the index knows a local copy of, each checked by its id.
   * @returns The chunks still to fetch.
   */
  async #copyLocal(
    keys: EpochKeys,
    places: Map<string, { size: number; offsets: number[] }>,
    write: (plain: Uint8Array, at: readonly number[]) => Promise<void>,
    signal: AbortSignal | undefined,
  ): Promise<Map<string, { size: number; offsets: number[] }>> {
    const remote = new Map(places);
    if (places.size === 0) return remote;
    const ids = [...places.keys()];
    // Local lookups are short: they are not cancelled one by one (a listener each), the result is dropped instead.
    const answers = await Promise.all(ids.map((id) => this.#lookups.add(id, 1)));
    throwIfAborted(signal);
    const byFile = new Map<string, [string, ChunkLocation][]>();
    for (const [i, hint] of answers.entries()) {
      const id = ids[i]!;
      if (!hint || hint.size !== places.get(id)?.size) continue;
      const list = byFile.get(hint.relPath);
      if (list) list.push([id, hint]);
      else byFile.set(hint.relPath, [[id, hint]]);
    }
    for (const [relPath, list] of byFile) {
      throwIfAborted(signal);
      const path = resolvePath(this.#options.root, relPath);
      if (!isInsideFolder(this.#options.root, path)) continue;
      let now: FileStamp | null;
      try {
        now = readStamp(path);
      } catch {
        continue;
      }
      if (!now || !sameContentStamp(now, { ...list[0]![1].stamp, mode: 0 })) continue;
      let source: FileHandle;
      try {
        source = await open(path, "r");
      } catch {
        continue;
      }
      try {
        for (const [id, hint] of list) {
          const bytes = new Uint8Array(hint.size);
          const { bytesRead } = await source.read(bytes, 0, hint.size, hint.offset);
          if (bytesRead !== hint.size) continue;
          if (!constantTimeEqual(await chunkIdBytes(keys, bytes), fromHex(id))) continue;
          await write(bytes, places.get(id)!.offsets);
          remote.delete(id);
        }
      } finally {
        await source.close();
      }
    }
    return remote;
  }
}

function handleFile(temp: { file?: { path: string; handle: FileHandle } }): { path: string; handle: FileHandle } {
  if (!temp.file) throw new Error("The temp file of a download is missing");
  return temp.file;
}
