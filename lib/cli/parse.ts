import { parseArgs } from "node:util";
import { UsageError, type CommandSpec } from "./command.ts";

/** The outcome of resolving argv against a command tree. */
export interface ResolvedCommand {
  /** Words naming the command (`["syncagent", "server", "invite"]`). */
  path: string[];
  spec: CommandSpec;
  /** Arguments after the command words. */
  rest: string[];
}

/**
 * Walks argv down the command tree: each leading word that names a
 * sub-command selects it.
 * @param root The top command.
 * @param argv Arguments after the program name.
 * @returns The selected command and its remaining arguments.
 * @throws UsageError when a word names no command of a group that has no `run`.
 */
export function resolveCommand(root: CommandSpec, argv: string[]): ResolvedCommand {
  const path = [root.name];
  let spec = root;
  let index = 0;
  while (spec.subcommands?.length && index < argv.length) {
    const word = argv[index];
    if (word === undefined || word.startsWith("-")) break;
    const next = spec.subcommands.find((c) => c.name === word);
    if (!next) {
      if (spec.run) break;
      throw new UsageError(`Unknown command: '${word}'. Commands: ${spec.subcommands.map((c) => c.name).join(", ")}`);
    }
    spec = next;
    path.push(word);
    index++;
  }
  return { path, spec, rest: argv.slice(index) };
}

/**
 * Parses a command's options: flag first, then its environment variable,
 * then its default.
 * @param spec The command.
 * @param args Its arguments.
 * @param env The environment to read variables from.
 * @returns Values, positionals, and whether help was asked.
 * @throws UsageError on an unknown flag, a missing value or a bad boolean variable.
 */
export function parseOptions(
  spec: CommandSpec,
  args: string[],
  env: Record<string, string | undefined>,
): { values: Record<string, string | boolean | undefined>; positionals: string[]; help: boolean } {
  const optionSpecs = spec.options ?? {};
  const config: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, o] of Object.entries(optionSpecs)) {
    config[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: config, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(cleanParseError(error));
  }
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, o] of Object.entries(optionSpecs)) {
    const flag = parsed.values[name];
    if (typeof flag === "string" || typeof flag === "boolean") {
      values[name] = flag;
      continue;
    }
    const fromEnv = o.env ? env[o.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== "") {
      values[name] = o.type === "boolean" ? parseBooleanEnv(o.env ?? name, fromEnv) : fromEnv;
      continue;
    }
    values[name] = o.default;
  }
  if (!spec.args && !spec.subcommands?.length && parsed.positionals.length > 0) {
    throw new UsageError(`Unexpected argument: '${parsed.positionals[0]}'`);
  }
  return { values, positionals: parsed.positionals, help: parsed.values.help === true };
}

function parseBooleanEnv(name: string, raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw new UsageError(`Invalid value for ${name}: '${raw}' (use true or false)`);
}

function cleanParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `Unknown option: '${unknown[1]}'`;
  const missing = /Option '([^']+)' argument missing/.exec(message);
  if (missing) return `Option ${missing[1]} needs a value`;
  return message.split(". ")[0] ?? message;
}
