/**
 * A file's stamp: what it looked like when scanned (size, mtime, inode,
 * mode). Two stamps with the same size, mtime and inode are taken to be the
 * same content; the mode alone does not change content.
 */
import { lstatSync } from "node:fs";

/** What a file looked like when scanned: the engine's stamp of local state. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
  mode: number;
}

/** The file changed while it was read or uploaded: queue it again. */
export class FileChangedError extends Error {
  override name = "FileChangedError";
  /**
   * @param relPath The file, relative to the sync folder (local use only: never sent).
   * @param message What changed, without the path.
   */
  constructor(
    readonly relPath: string,
    message = "The file changed while it was being uploaded",
  ) {
    super(message);
  }
}

/** A download's target changed on disk meanwhile: plan again; nothing was written. */
export class LocalChangedError extends Error {
  override name = "LocalChangedError";
  /**
   * @param relPath The file, relative to the sync folder (local use only: never sent).
   * @param message What changed, without the path.
   */
  constructor(
    readonly relPath: string,
    message = "The local file changed while a new version was being downloaded; it was kept",
  ) {
    super(message);
  }
}

/**
 * Reads a path's stamp without following a symbolic link. Synchronous on
 * purpose: one `lstat` of a local file costs a few microseconds of the
 * thread, where a promise and a trip through the thread pool cost several
 * times that in CPU, and every upload and download asks twice (the scan reads
 * its metadata the same way).
 * @param path Absolute path.
 * @returns Its stamp, or null when nothing is there.
 */
export function readStamp(path: string): FileStamp | null {
  const s = lstatSync(path, { throwIfNoEntry: false });
  return s ? { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, mode: s.mode } : null;
}

/**
 * Whether two stamps describe the same content (size, mtime and inode equal).
 * @param a A stamp, or null for "absent".
 * @param b Another.
 * @returns True when both are absent or both match.
 */
export function sameContentStamp(a: FileStamp | null, b: FileStamp | null): boolean {
  if (a === null || b === null) return a === b;
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

/**
 * The key a stamp is stored under (size, mtime, inode).
 * @param stamp The stamp.
 * @returns `size:mtimeMs:ino`.
 */
export function stampKey(stamp: FileStamp): string {
  return `${stamp.size}:${stamp.mtimeMs}:${stamp.ino}`;
}
