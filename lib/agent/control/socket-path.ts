/**
 * Whether a control path is a Windows named pipe (no file, no permissions to set).
 * @param path The control socket path.
 * @returns True for `\\.\pipe\…`.
 */
export function isNamedPipe(path: string): boolean {
  return path.startsWith("\\\\.\\pipe\\");
}
