/**
 * A database URL fit to print or log: a local file as its path, a remote
 * URL without its password and its query (which may carry tokens), the
 * schema kept where one is named.
 */

/**
 * The URL as the startup banner shows it.
 * @param url `file:…`, `postgres://…`, `libsql://…` or `http(s)://…`.
 * @returns The path or the URL, with no secret in it.
 */
export function displayDatabaseUrl(url: string): string {
  if (url.startsWith("file:")) return url.slice(5);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\?.*$/, "").replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
  const schema = parsed.searchParams.get("schema");
  if (parsed.password) parsed.password = "***";
  parsed.search = "";
  return parsed.toString() + (schema ? ` (schema ${schema})` : "");
}
