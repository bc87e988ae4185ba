/**
 * Relative paths as the watcher reports them: POSIX separators, NFC, no
 * leading slash; and the names the agent never reports (its own temp files).
 */
import { join } from "node:path";

/** Base names starting with this are the agent's own temporary files (atomic writes). */
export const AGENT_TEMP_PREFIX = ".syncagent-tmp-";

/**
 * Joins a folder's relative path and an entry name.
 * @param dir The folder, relative to the root (`""` for the root itself).
 * @param name The entry's name as the file system gave it.
 * @returns `dir/name`, or `name` at the root.
 */
export function childPath(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}

/**
 * The last segment of a relative path.
 * @param rel A relative path with `/` separators.
 * @returns Its base name.
 */
export function baseName(rel: string): string {
  return rel.slice(rel.lastIndexOf("/") + 1);
}

/**
 * Whether a relative path names one of the agent's temporary files.
 * @param rel A relative path with `/` separators.
 * @returns True when its base name starts with {@link AGENT_TEMP_PREFIX}.
 */
export function isAgentTemp(rel: string): boolean {
  return baseName(rel).startsWith(AGENT_TEMP_PREFIX);
}

/**
 * The absolute path of a relative one.
 * @param root The watched root folder.
 * @param rel A relative path with `/` separators (`""` for the root).
 * @returns The absolute path with the platform's separators.
 */
export function absolutePath(root: string, rel: string): string {
  return rel === "" ? root : join(root, ...rel.split("/"));
}

/**
 * Whether `rel` is `dir` or inside it.
 * @param rel A relative path.
 * @param dir A folder's relative path (`""` for the root).
 * @returns True for the folder itself and everything under it.
 */
export function isWithin(rel: string, dir: string): boolean {
  return dir === "" || rel === dir || rel.startsWith(`${dir}/`);
}
