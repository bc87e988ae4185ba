/**
 * The path of a `file:` database URL.
 */

/**
 * The file a `file:` URL names: `file:rel.db`, `file:/abs.db`,
 * `file:///abs.db` or `file://localhost/abs.db`, percent-decoded, without a
 * query. `file::memory:` and `file:` name an in-memory database.
 * @param url The URL.
 * @returns The path, or `:memory:`.
 */
export function filePath(url: string): string {
  if (!url.startsWith("file:")) throw new TypeError(`not a file: URL: ${url}`);
  let rest = url.slice("file:".length);
  const query = rest.indexOf("?");
  if (query >= 0) rest = rest.slice(0, query);
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    const host = rest.slice(2, slash < 0 ? rest.length : slash);
    if (host !== "" && host.toLowerCase() !== "localhost") throw new TypeError(`a file: URL names no host: ${url}`);
    rest = slash < 0 ? "" : rest.slice(slash);
  }
  const path = decodeURIComponent(rest);
  return path === "" || path === ":memory:" ? ":memory:" : path;
}
