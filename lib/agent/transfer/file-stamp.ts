/**
 * A file's stamp: what it looked like when scanned (size, mtime, inode,
 * mode). Two stamps with the same size, mtime and inode are taken to be the
 * same content; the mode alone does not change content.
 */
import { lstat } from "node:fs/promises";

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
 * Reads a path's stamp without following a symbolic link.
 * @param path Absolute path.
 * @returns Its stamp, or null when nothing is there.
 */
export async function readStamp(path: string): Promise<FileStamp | null> {
  try {
    const s = await lstat(path);
    return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, mode: s.mode };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
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
