/**
 * Temp files of downloads: created beside their target (same folder, so the
 * final rename is atomic), named with a fixed prefix the scanner and the
 * watcher skip, and cleaned up after a crash.
 */
import { randomBytes } from "node:crypto";
import { open, readdir, unlink, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";

/** Every temp file's name starts with this; such files are never synced. */
export const TEMP_PREFIX = ".syncagent-tmp-";

/**
 * Whether a file name is one of the agent's temp files.
 * @param name A file name (not a path).
 * @returns True for `.syncagent-tmp-…`.
 */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/**
 * Creates a fresh temp file beside `target`, readable and writable by the owner only.
 * @param target The file it will replace.
 * @returns The temp file's path and an open handle.
 */
export async function createTempBeside(target: string): Promise<{ path: string; handle: FileHandle }> {
  for (;;) {
    const path = join(dirname(target), TEMP_PREFIX + randomBytes(8).toString("hex"));
    try {
      return { path, handle: await open(path, "wx", 0o600) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/**
 * Removes a temp file, ignoring one that is already gone.
 * @param path The temp file.
 */
export async function removeTemp(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
}

/**
 * Removes the temp files a crash left anywhere under `root` (symbolic links
 * are not followed; unreadable folders are skipped).
 * @param root The sync folder.
 * @returns How many were removed.
 */
export async function removeTempFiles(root: string): Promise<number> {
  let removed = 0;
  const folders = [root];
  while (folders.length > 0) {
    const folder = folders.pop()!;
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) folders.push(path);
      else if (entry.isFile() && isTempName(entry.name)) {
        await removeTemp(path);
        removed++;
      }
    }
  }
  return removed;
}
