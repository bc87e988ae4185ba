/** The name a restored item takes when its place is taken: a sibling copy beside the original. */

/**
 * The name of a restored copy: "report.txt" → "report (restored).txt", and
 * "report (restored 2).txt" for the second attempt. A leading dot (".env")
 * and a folder's name get the suffix at the end.
 * @param name The original name.
 * @param attempt 1 for the first choice, 2, 3 … when that one is taken too.
 * @param kind A file keeps its extension last; a folder has none.
 * @returns The new name.
 */
export function restoredName(name: string, attempt = 1, kind: "file" | "dir" = "file"): string {
  const suffix = attempt > 1 ? ` (restored ${attempt})` : " (restored)";
  const dot = kind === "file" ? name.lastIndexOf(".") : -1;
  if (dot <= 0 || dot === name.length - 1) return name + suffix;
  return name.slice(0, dot) + suffix + name.slice(dot);
}
