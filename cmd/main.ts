import process from "node:process";
import { runCli } from "../lib/cli/run.ts";
import { rootCommand } from "./root.ts";

/**
 * Runs the `syncagent` CLI with the given arguments against this process's
 * environment and standard streams.
 * @param argv Arguments after the program name.
 * @returns The exit code.
 */
export function main(argv: string[]): Promise<number> {
  return runCli(rootCommand, argv, {
    env: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
  });
}
