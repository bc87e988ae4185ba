/**
 * Whether a listen address is loopback only.
 * @param host The listen host.
 * @returns True for 127.x.x.x, ::1 and localhost.
 */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
