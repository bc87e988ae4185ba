/**
 * The shape of a command: its options (each also readable from an
 * environment variable), its sub-commands, and the function that runs it.
 * Parsing and help live in `parse.ts` and `help.ts`.
 */

/** One option of a command. */
export interface OptionSpec {
  /** `string` takes a value, `boolean` is a switch. */
  type: "string" | "boolean";
  /** One-line description shown by `--help`. */
  description: string;
  /** One-letter alias (`-p`). */
  short?: string;
  /** Environment variable read when the flag is absent (`SYNCAGENT_PORT`). */
  env?: string;
  /** Value used when neither the flag nor the variable is set. */
  default?: string | boolean;
  /** Placeholder shown in help (`PORT`). */
  valueName?: string;
}

/** What a running command receives. */
export interface CommandContext {
  /** Option values: flag, else environment variable, else default. */
  values: Record<string, string | boolean | undefined>;
  /** Arguments that are not options. */
  positionals: string[];
  /** The process environment the command runs in. */
  env: Record<string, string | undefined>;
  /** Standard output writer. */
  out: (text: string) => void;
  /** Standard error writer. */
  err: (text: string) => void;
}

/** A command or a group of sub-commands. */
export interface CommandSpec {
  name: string;
  /** One-line summary shown in the parent's help. */
  summary: string;
  /** Longer text shown by `<command> --help`. */
  description?: string;
  /** Positional arguments, as shown in usage (`PATH`). */
  args?: string;
  options?: Record<string, OptionSpec>;
  subcommands?: CommandSpec[];
  /** Runs the command; resolves to the process exit code. */
  run?: (ctx: CommandContext) => Promise<number>;
}

/** A usage error: printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
