/**
 * Frozen event schemas (E1, E7): every registered (type, version) payload
 * schema has a JSON copy in the repository, `lib/events/schemas/frozen/
 * <Type>.v<N>.json`, made with zod's `z.toJSONSchema`. A test compares the
 * registry with the copies, so an edit of a published schema fails CI; a
 * breaking change is a new version with its upcaster instead.
 *
 * `released.json` in the same folder names the versions that have shipped.
 * Only those are immutable for good: `npm run schemas:freeze -- --force`
 * may re-freeze (or drop) a version that never left the repository.
 *
 * This module is pure: the script (scripts/freeze-schemas.ts) and the test
 * read and write the files.
 */
import { z } from "zod";
import { authEventSchemas } from "./schemas/auth.ts";
import { eventSchemas } from "./schemas/index.ts";
import { commandEventSchemas } from "./schemas/machine-commands.ts";

/** One registered payload schema. */
export interface RegisteredSchema {
  type: string;
  version: number;
  schema: z.ZodType;
}

/** What a frozen copy says about a schema, or a copy without a schema. */
export type FrozenStatus = "unchanged" | "changed" | "missing" | "orphan";

/** One line of {@link compareWithFrozen}. */
export interface FrozenEntry {
  /** `<Type>.v<N>`, also the file name without `.json`. */
  name: string;
  status: FrozenStatus;
  /** Whether `released.json` lists it: then it may never change or go. */
  released: boolean;
  /** The schema frozen now (absent for an orphan). */
  json?: string;
}

/** The sentence every refusal ends with. */
export const EDIT_ADVICE = "add a new version with an upcaster instead of editing a published schema";

/**
 * Every payload schema this build registers: the file events of
 * `lib/events/schemas/index.ts`, and the auth and command events (all
 * version 1) of `lib/events/schemas/auth.ts` and `machine-commands.ts`,
 * sorted by name.
 * @returns The registry as a list.
 */
export function registeredSchemas(): RegisteredSchema[] {
  const list: RegisteredSchema[] = [];
  for (const [type, versions] of Object.entries(eventSchemas)) {
    for (const [version, schema] of Object.entries(versions)) list.push({ type, version: Number(version), schema });
  }
  const groups: Readonly<Record<string, z.ZodType>>[] = [authEventSchemas, commandEventSchemas];
  for (const group of groups) {
    for (const [type, schema] of Object.entries(group)) list.push({ type, version: 1, schema });
  }
  return list.sort((a, b) => frozenName(a.type, a.version).localeCompare(frozenName(b.type, b.version)));
}

/**
 * The name of a frozen copy: `<Type>.v<N>` (the file adds `.json`).
 * @param type Event type.
 * @param version Payload version.
 * @returns The name.
 */
export function frozenName(type: string, version: number): string {
  return `${type}.v${version}`;
}

/**
 * The frozen form of a schema: its JSON Schema (the input side, so `.strict()`
 * shows as `additionalProperties: false`), keys sorted, two-space indent and
 * a final newline, so that the file is stable and diffs read well.
 * Refinements that JSON Schema cannot express (`.refine`) are not in it.
 * @param schema The zod schema.
 * @returns The file's text.
 */
export function freezeSchema(schema: z.ZodType): string {
  return canonicalJson(z.toJSONSchema(schema, { io: "input", unrepresentable: "throw" }));
}

/**
 * JSON with object keys sorted at every level, indented, newline-terminated.
 * @param value Any JSON value.
 * @returns Its canonical text.
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

/**
 * Compares the registry with the frozen copies.
 * @param frozen Frozen copies by name (`<Type>.v<N>`), as read from disk.
 * @param released Names listed in `released.json`.
 * @param schemas The registry. @default {@link registeredSchemas}()
 * @returns One entry per registered schema and per frozen copy without one, sorted by name.
 * @throws SyntaxError when a frozen copy is not JSON.
 */
export function compareWithFrozen(
  frozen: ReadonlyMap<string, string>,
  released: ReadonlySet<string>,
  schemas: readonly RegisteredSchema[] = registeredSchemas(),
): FrozenEntry[] {
  const entries: FrozenEntry[] = [];
  const seen = new Set<string>();
  for (const { type, version, schema } of schemas) {
    const name = frozenName(type, version);
    seen.add(name);
    const json = freezeSchema(schema);
    const copy = frozen.get(name);
    const status: FrozenStatus = copy === undefined ? "missing" : canonicalJson(JSON.parse(copy)) === json ? "unchanged" : "changed";
    entries.push({ name, status, released: released.has(name), json });
  }
  for (const name of frozen.keys()) {
    if (!seen.has(name)) entries.push({ name, status: "orphan", released: released.has(name) });
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Says what is wrong with an entry, for the test and the script.
 * @param entry A line of {@link compareWithFrozen}.
 * @returns A sentence, or undefined when the entry is unchanged.
 */
export function describeFrozenProblem(entry: FrozenEntry): string | undefined {
  switch (entry.status) {
    case "unchanged":
      return undefined;
    case "missing":
      return `${entry.name} has no frozen copy: run \`npm run schemas:freeze\` to freeze it, and from then on ${EDIT_ADVICE}`;
    case "changed":
      return entry.released
        ? `${entry.name} differs from its frozen copy and has been released: ${EDIT_ADVICE}`
        : `${entry.name} differs from its frozen copy: ${EDIT_ADVICE} (if this version was never released, re-freeze it with \`npm run schemas:freeze -- --force ${entry.name}\`)`;
    case "orphan":
      return entry.released
        ? `${entry.name} is frozen and released but no longer registered: stored events still need it; ${EDIT_ADVICE}`
        : `${entry.name} is frozen but no longer registered: ${EDIT_ADVICE} (if it was never released, drop it with \`npm run schemas:freeze -- --force ${entry.name}\`)`;
  }
}
