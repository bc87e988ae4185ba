/**
 * `.syncignore` (A4): gitignore syntax, in the sync folder's root, synced
 * like any other file so every machine applies the same rules. Adding a rule
 * never deletes anything: an ignored path is left alone on both sides.
 */
import ignoreModule, { type Ignore, type Options } from "ignore";

// The package is CommonJS with an ES default in its types: take the callable either way.
const ignore = ((ignoreModule as unknown as { default?: unknown }).default ?? ignoreModule) as (options?: Options) => Ignore;

/** The rules file's name, at the root of the sync folder. */
export const IGNORE_FILE = ".syncignore";

/** A compiled set of rules. */
export interface IgnoreRules {
  /**
   * @param path Relative POSIX path.
   * @param isDir Whether it is a folder (`build/` rules match folders only).
   * @returns True when the path is ignored.
   */
  ignores(path: string, isDir: boolean): boolean;
  /** The rules' source text (to tell whether they changed). */
  readonly source: string;
}

/**
 * Compiles rules. The rules file itself is never ignored.
 * @param source The file's text ("" when there is none).
 * @returns The rules.
 */
export function compileIgnoreRules(source: string): IgnoreRules {
  // No pattern at all (no file, or only blank lines and comments): nothing is ignored, asked of no library.
  if (source.split(/\r?\n/).every((line) => line.trim() === "" || line.startsWith("#"))) return { source, ignores: () => false };
  const ig: Ignore = ignore({ allowRelativePaths: false }).add(source);
  const memo = new Map<string, boolean>();
  return {
    source,
    ignores(path, isDir) {
      if (path === "" || path === IGNORE_FILE) return false;
      const key = isDir ? `${path}/` : path;
      let hit = memo.get(key);
      if (hit === undefined) {
        try {
          hit = ig.ignores(key);
        } catch {
          hit = false; // a path the library cannot test (never ignored rather than lost)
        }
        memo.set(key, hit);
      }
      return hit;
    },
  };
}
