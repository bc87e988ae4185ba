/**
 * `npm run schemas:freeze [-- --force [NAME…]] [--dir DIR]`: writes the
 * frozen JSON copy of every registered event payload schema (E1, E7) to
 * lib/events/schemas/frozen/<Type>.v<N>.json.
 *
 * A schema without a copy is frozen. A copy that differs from its schema, or
 * a copy whose schema is gone, is refused (exit 1): a published schema never
 * changes, a breaking change is a new version with its upcaster. `--force`
 * re-freezes or drops such a copy only when `released.json` does not list it
 * (it never shipped); with names, only those. A released version is never
 * touched, `--force` or not.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { compareWithFrozen, describeFrozenProblem, type FrozenEntry } from "../lib/events/frozen-schemas.ts";

/** Where the frozen copies live. */
export const FROZEN_DIR = fileURLToPath(new URL("../lib/events/schemas/frozen/", import.meta.url));
/** The list of released versions inside the frozen folder. */
export const RELEASED_FILE = "released.json";

/**
 * Reads the frozen copies of a folder.
 * @param dir The folder.
 * @returns Copies by name (`<Type>.v<N>`).
 */
export function readFrozen(dir: string): Map<string, string> {
  const copies = new Map<string, string>();
  if (!existsSync(dir)) return copies;
  for (const file of readdirSync(dir).sort()) {
    if (file === RELEASED_FILE || !file.endsWith(".json")) continue;
    copies.set(file.slice(0, -".json".length), readFileSync(join(dir, file), "utf8"));
  }
  return copies;
}

/**
 * Reads the released versions listed in `released.json` (none when it is absent).
 * @param dir The frozen folder.
 * @returns Their names.
 * @throws Error when the file is not `{ "released": [names] }`.
 */
export function readReleased(dir: string): Set<string> {
  const file = join(dir, RELEASED_FILE);
  if (!existsSync(file)) return new Set();
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { released?: unknown };
  if (!Array.isArray(parsed.released) || !parsed.released.every((n) => typeof n === "string")) {
    throw new Error(`${file}: expected { "released": ["<Type>.v<N>", …] }`);
  }
  return new Set(parsed.released);
}

/** What {@link freeze} did. */
export interface FreezeOutcome {
  /** One line per schema: `froze`, `unchanged`, `re-froze`, `dropped` or `refused: …`. */
  lines: string[];
  /** True when something was refused. */
  refused: boolean;
}

/**
 * Brings the frozen folder in line with the registry, as far as allowed.
 * @param dir The frozen folder.
 * @param force Re-freeze or drop unreleased copies that differ or have no schema.
 * @param only With `force`: restrict it to these names (empty: all).
 * @returns What was done.
 */
export function freeze(dir: string, force: boolean, only: readonly string[] = []): FreezeOutcome {
  mkdirSync(dir, { recursive: true });
  const entries = compareWithFrozen(readFrozen(dir), readReleased(dir));
  const lines: string[] = [];
  let refused = false;
  const forced = (entry: FrozenEntry): boolean => force && !entry.released && (only.length === 0 || only.includes(entry.name));
  for (const entry of entries) {
    const file = join(dir, `${entry.name}.json`);
    if (entry.status === "unchanged") {
      lines.push(`unchanged ${entry.name}`);
    } else if (entry.status === "missing") {
      writeFileSync(file, entry.json ?? "");
      lines.push(`froze ${entry.name}`);
    } else if (forced(entry) && entry.status === "changed") {
      writeFileSync(file, entry.json ?? "");
      lines.push(`re-froze ${entry.name}`);
    } else if (forced(entry) && entry.status === "orphan") {
      rmSync(file);
      lines.push(`dropped ${entry.name}`);
    } else {
      refused = true;
      lines.push(`refused: ${describeFrozenProblem(entry) ?? entry.name}`);
    }
  }
  for (const name of only) {
    if (!entries.some((e) => e.name === name)) {
      refused = true;
      lines.push(`refused: no registered schema or frozen copy is named ${name}`);
    }
  }
  return { lines, refused };
}

function main(): number {
  const { values, positionals } = parseArgs({
    options: { force: { type: "boolean", default: false }, dir: { type: "string" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log("Usage: npm run schemas:freeze [-- --force [<Type>.v<N>…]] [--dir DIR]");
    return 0;
  }
  if (positionals.length > 0 && !values.force) {
    console.error("schemas:freeze: names are only taken with --force");
    return 2;
  }
  const outcome = freeze(values.dir ?? FROZEN_DIR, values.force, positionals);
  for (const line of outcome.lines) (line.startsWith("refused") ? console.error : console.log)(line);
  return outcome.refused ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
