import { UsageError, type CommandSpec } from "./command.ts";
import { renderHelp } from "./help.ts";
import { parseOptions, resolveCommand } from "./parse.ts";

/** Where a CLI run reads and writes. */
export interface CliIo {
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * Runs a command tree against argv: help, usage errors and the command's own
 * errors all end in an exit code, never an exception.
 * @param root The top command.
 * @param argv Arguments after the program name.
 * @param io Environment and writers.
 * @returns The exit code: 0 success, 1 failure, 2 usage error.
 */
export async function runCli(root: CommandSpec, argv: string[], io: CliIo): Promise<number> {
  let path = [root.name];
  try {
    const resolved = resolveCommand(root, argv);
    path = resolved.path;
    const { values, positionals, help } = parseOptions(resolved.spec, resolved.rest, io.env);
    if (help || !resolved.spec.run) {
      if (!help && resolved.spec.subcommands?.length && positionals.length === 0) {
        io.err(renderHelp(path, resolved.spec));
        return 2;
      }
      io.out(renderHelp(path, resolved.spec));
      return 0;
    }
    return await resolved.spec.run({ values, positionals, env: io.env, out: io.out, err: io.err });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${path.join(" ")}: ${error.message}\nRun '${path.join(" ")} --help' for usage.\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`${path.join(" ")}: ${message}\n`);
    return 1;
  }
}
