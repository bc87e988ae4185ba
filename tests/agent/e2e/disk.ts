/**
 * Disk helpers of the end-to-end tests: random files, hashes, temp files
 * left in a folder, reads that tolerate a missing file.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { isTempName } from "../../../lib/agent/transfer/temp-files.ts";

/**
 * Writes `size` random bytes to `path`, in 8 MiB pieces.
 * @param path The file.
 * @param size Bytes.
 * @returns The content's SHA-256 (hex).
 */
export async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const handle = await open(path, "w");
  try {
    for (let left = size; left > 0; ) {
      const piece = randomBytes(Math.min(left, 8 << 20));
      hash.update(piece);
      await handle.write(piece);
      left -= piece.length;
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

/**
 * SHA-256 of a file, or null when it is absent.
 * @param path The file.
 * @returns Hex digest or null.
 */
export async function sha256Of(path: string): Promise<string | null> {
  try {
    const hash = createHash("sha256");
    for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
    return hash.digest("hex");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Size of a file, or null when it is absent.
 * @param path The file.
 * @returns Bytes or null.
 */
export async function sizeOrNull(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

/**
 * A file's text, or null when it is absent.
 * @param path The file.
 * @returns The content or null.
 */
export async function textOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return null;
  }
}

/**
 * The agent's temp files anywhere under `root`.
 * @param root A folder.
 * @returns Their paths.
 */
export async function tempFilesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else if (isTempName(e.name)) out.push(join(dir, e.name));
    }
  };
  await walk(root);
  return out;
}

/**
 * Every file under `root` with its text (temp files included, so a test sees them).
 * @param root A folder.
 * @returns Relative path → content.
 */
export async function filesUnder(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(dir, e.name), rel);
      else out.set(rel, await readFile(join(dir, e.name), "utf8"));
    }
  };
  await walk(root, "");
  return out;
}
