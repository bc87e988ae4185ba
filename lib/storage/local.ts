/**
 * The LocalFS adapter: chunks as files in a folder.
 *
 * Layout: `<root>/ab/cd/<key>` where `ab` and `cd` are the key's first two
 * byte pairs, so no folder holds more than a few files even with millions of
 * chunks. Writes go to `<root>/.tmp/` (same filesystem), are fsynced, then
 * renamed into place, so a reader sees either no file or the whole file.
 * Temp files a crashed process left behind are removed when the store is
 * opened, once they are older than any write could take (15 minutes), so
 * several server processes can share one folder without removing each
 * other's writes in progress.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { bodyPieces, type ChunkBody } from "./body.ts";
import { StorageUnavailableError, TooLargeError } from "./errors.ts";
import { fileReadStream } from "../fs/file-stream.ts";
import { assertRange, assertValidKey, isValidKey } from "./keys.ts";
import { BodyMeter, DEFAULT_MAX_OBJECT_SIZE } from "./meter.ts";
import type { ChunkStore, PutExpectation, StoredObject } from "./port.ts";

const TEMP_DIR = ".tmp";
/** A temp file untouched this long belongs to a write that died. */
export const STALE_TEMP_MS = 15 * 60 * 1000;
const FANOUT_NAME = /^[0-9a-f]{2}$/;

/** Options of the LocalFS adapter. */
export interface LocalChunkStoreOptions {
  /** Largest object accepted, in bytes (default 64 MiB). */
  maxObjectSize?: number;
}

/**
 * Opens (creating it if needed) a chunk store in folder `dir`: removes the
 * temp files a crash left behind and checks that the folder is writable.
 * @throws StorageUnavailableError when the folder cannot be created or written.
 */
export async function openLocalChunkStore(
  dir: string,
  options: LocalChunkStoreOptions = {},
): Promise<LocalChunkStore> {
  const root = resolve(dir);
  const tempDir = join(root, TEMP_DIR);
  try {
    await mkdir(root, { recursive: true });
    await mkdir(tempDir, { recursive: true });
    await removeStaleTemps(tempDir, Date.now() - STALE_TEMP_MS);
    const probe = join(tempDir, `probe-${randomUUID()}`);
    await (await open(probe, "wx")).close();
    await unlink(probe);
  } catch (error) {
    const mapped = fsError(error, `Cannot open the chunk folder ${root}`, root);
    if (mapped instanceof StorageUnavailableError) throw mapped;
    throw new StorageUnavailableError(
      `Cannot open the chunk folder ${root}: ${error instanceof Error ? error.message : String(error)}`,
      "config",
      { cause: error },
    );
  }
  return new LocalChunkStore(root, options.maxObjectSize ?? DEFAULT_MAX_OBJECT_SIZE);
}

/**
 * Removes temp files last modified before `cutoff` (ms since the epoch).
 * @param tempDir The store's temp folder.
 * @param cutoff Files older than this are leftovers of a crash.
 */
async function removeStaleTemps(tempDir: string, cutoff: number): Promise<void> {
  for (const name of await readdir(tempDir)) {
    const path = join(tempDir, name);
    const info = await stat(path).catch(() => null);
    if (info && info.mtimeMs < cutoff) await rm(path, { recursive: true, force: true });
  }
}

/** A `ChunkStore` in a local folder. Create it with `openLocalChunkStore`. */
export class LocalChunkStore implements ChunkStore {
  readonly kind = "local";
  readonly location: string;
  private readonly tempDir: string;

  /**
   * @param root absolute path of the store's folder (prepared by `openLocalChunkStore`).
   * @param maxObjectSize largest object accepted, in bytes.
   */
  constructor(
    readonly root: string,
    readonly maxObjectSize: number,
  ) {
    this.location = root;
    this.tempDir = join(root, TEMP_DIR);
  }

  /** Opens the object's file for reading; null when there is none. */
  private async openObject(key: string): Promise<FileHandle | null> {
    try {
      return await open(this.pathOf(key), "r");
    } catch (error) {
      if (isMissing(error)) return null;
      throw fsError(error, `Cannot read chunk ${key}`, this.root);
    }
  }

  /** Where the object for `key` lives (the key must be valid). */
  pathOf(key: string): string {
    return join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  /**
   * Streams the body to a temp file, checks it, fsyncs it and renames it
   * into place. A body in memory is checked before it is written and hashed
   * only when its digest is expected or read (meter.ts).
   */
  async put(key: string, body: ChunkBody, expected?: PutExpectation): Promise<StoredObject> {
    assertValidKey(key);
    const meter = new BodyMeter(key, expected, this.maxObjectSize);
    const temp = join(this.tempDir, `${randomUUID()}.tmp`);
    let handle: FileHandle | undefined;
    try {
      let stored: StoredObject;
      if (body instanceof Uint8Array) {
        // Checked before anything is written; hashed only if needed (meter.ts).
        stored = meter.finishWhole(body);
        handle = await open(temp, "wx");
        await writeAll(handle, body);
      } else {
        handle = await open(temp, "wx");
        for await (const piece of bodyPieces(body)) {
          meter.update(piece);
          await writeAll(handle, piece);
        }
        stored = meter.finish();
      }
      await handle.sync();
      await handle.close();
      handle = undefined;
      const target = this.pathOf(key);
      await moveIntoPlace(temp, target);
      await syncDir(dirname(target));
      return stored;
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await rm(temp, { force: true }).catch(() => undefined);
      throw fsError(error, `Cannot store chunk ${key}`, this.root);
    }
  }

  /** Opens the object's file and streams it; null when there is none. */
  async get(key: string): Promise<ReadableStream<Uint8Array> | null> {
    assertValidKey(key);
    const handle = await this.openObject(key);
    return handle && fileReadStream(handle);
  }

  /** Reads a small object whole: open, read, close (no stream); null when there is none. */
  async getBytes(key: string, maxBytes: number): Promise<Uint8Array | null> {
    assertValidKey(key);
    const handle = await this.openObject(key);
    if (!handle) return null;
    try {
      // One byte more than allowed tells a longer object from one of exactly maxBytes.
      const buffer = new Uint8Array(maxBytes + 1);
      let filled = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
        if (filled > maxBytes) throw new TooLargeError(key, maxBytes);
      }
      return buffer.subarray(0, filled);
    } catch (error) {
      if (error instanceof TooLargeError) throw error;
      throw fsError(error, `Cannot read chunk ${key}`, this.root);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** Reads a byte range with one positional read (open, pread, close); null when there is no object. */
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | null> {
    assertValidKey(key);
    assertRange(offset, length);
    const handle = await this.openObject(key);
    if (!handle) return null;
    try {
      const buffer = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === length ? buffer : buffer.subarray(0, filled);
    } catch (error) {
      throw fsError(error, `Cannot read chunk ${key}`, this.root);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** The object's size, or null when there is none. */
  async stat(key: string): Promise<{ size: number } | null> {
    assertValidKey(key);
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw fsError(error, `Cannot read chunk ${key}`, this.root);
    }
  }

  /** Whether an object is stored under `key`. */
  async has(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  /** Removes the object; a missing one is fine. Fan-out folders are kept (a concurrent put may be using them). */
  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await unlink(this.pathOf(key));
    } catch (error) {
      if (isMissing(error)) return;
      throw fsError(error, `Cannot delete chunk ${key}`, this.root);
    }
  }

  /** Walks the fan-out folders and yields every stored key once; anything else in the folder is ignored. */
  async *list(): AsyncIterable<{ key: string; size: number }> {
    for (const first of await this.subfolders(this.root)) {
      const firstDir = join(this.root, first);
      for (const second of await this.subfolders(firstDir)) {
        const leafDir = join(firstDir, second);
        for (const name of await this.entries(leafDir)) {
          if (!isValidKey(name) || !name.startsWith(first + second)) continue;
          const found = await this.stat(name);
          if (found) yield { key: name, size: found.size };
        }
      }
    }
  }

  /** Nothing to release: every file handle belongs to a put or to a returned stream. */
  async close(): Promise<void> {}

  private async subfolders(dir: string): Promise<string[]> {
    return (await this.entries(dir)).filter((name) => FANOUT_NAME.test(name));
  }

  private async entries(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir)).sort();
    } catch (error) {
      if (isMissing(error)) return [];
      throw fsError(error, `Cannot list the chunk folder ${dir}`, this.root);
    }
  }
}

/**
 * Renames the temp file to its place; the fan-out folder is created only
 * when the rename finds it missing (it is made once and never removed), so
 * a put into an existing folder costs no extra call. The caller syncs the
 * target's folder; the folders above a newly made one are synced here.
 */
async function moveIntoPlace(temp: string, target: string): Promise<void> {
  try {
    await rename(temp, target);
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") throw error;
    const created = await mkdir(dirname(target), { recursive: true });
    await rename(temp, target);
    // A folder made here is durable once the folder holding it is synced too.
    for (let dir = dirname(target); created !== undefined && dir.length >= created.length; dir = dirname(dir)) await syncDir(dirname(dir));
  }
}

/** Writes all of `bytes` at the file's current position. */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset, null);
    offset += bytesWritten;
  }
}

/** Makes a rename durable: fsync the folder that holds the new name (where the platform allows it). */
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a folder; the rename is still atomic there.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function errnoCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return undefined;
}

function isMissing(error: unknown): boolean {
  const code = errnoCode(error);
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Turns filesystem failures the operator must act on into `StorageUnavailableError`; passes others through. */
function fsError(error: unknown, doing: string, root: string): unknown {
  switch (errnoCode(error)) {
    case "ENOSPC":
    case "EDQUOT":
      return new StorageUnavailableError(
        `${doing}: the disk holding ${root} is full (${errnoCode(error)}); free some space`,
        "full",
        { cause: error },
      );
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new StorageUnavailableError(
        `${doing}: no permission to write in ${root} (${errnoCode(error)}); check the folder's owner and mode`,
        "permission",
        { cause: error },
      );
    default:
      return error;
  }
}
