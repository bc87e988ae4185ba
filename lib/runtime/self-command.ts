/**
 * The command line that runs this program again (for a desktop entry, a
 * URL handler or a service unit): the release binary alone, or from
 * source the runtime with its flags and the entry script.
 */

/**
 * @param argv The process's argv. @default process.argv
 * @param execPath The runtime or binary. @default process.execPath
 * @param execArgv The runtime's own flags. @default process.execArgv
 * @returns The program and the arguments before the command's own.
 */
export function selfCommand(argv: readonly string[] = process.argv, execPath: string = process.execPath, execArgv: readonly string[] = process.execArgv): string[] {
  const script = argv[1];
  // A compiled binary's entry lives in its embedded file system, not on disk.
  if (script === undefined || script.startsWith("/$bunfs/") || /^[A-Za-z]:\\~BUN\\/.test(script)) return [execPath];
  return [execPath, ...execArgv, script];
}
