/**
 * Opens a file with the desktop's default application, or shows it in the
 * file manager (W6, D1): `xdg-open` on Linux and the BSDs, `open` on macOS,
 * `explorer.exe` on Windows; always an argument array, never a shell.
 * `SYNCAGENT_OPENER` names another program, run with the path as its only
 * argument (a user's choice of file manager, or a script).
 *
 * A link can come from anywhere (a web page can hold one), so a file that
 * opening would run — executable bits, or a type the desktop launches
 * (.desktop, .exe, .sh, .app…) — is shown in its folder instead, never
 * opened.
 */
import { execFile } from "node:child_process";
import { dirname, extname } from "node:path";

/** Types a desktop runs rather than shows, whatever their mode bits. */
const LAUNCHED = new Set([
  ".app", ".appimage", ".bat", ".cmd", ".com", ".command", ".cpl", ".desktop", ".exe", ".hta", ".jar", ".js", ".jse", ".lnk",
  ".msc", ".msi", ".msp", ".pif", ".ps1", ".reg", ".run", ".scr", ".sh", ".url", ".vbe", ".vbs", ".workflow", ".wsf", ".wsh",
]);

/**
 * Whether opening this file could run it, so it is only shown in its folder.
 * @param path The file.
 * @param mode Its POSIX mode bits.
 * @param kind File, folder or other.
 * @returns True to reveal instead of open.
 */
export function runsWhenOpened(path: string, mode: number, kind: "file" | "dir" | "other"): boolean {
  if (kind === "dir") return false;
  if (kind === "other") return true;
  return (mode & 0o111) !== 0 || LAUNCHED.has(extname(path).toLowerCase());
}

/**
 * What to run to open (or reveal) a path.
 * @param path The absolute path.
 * @param reveal Show it in its folder rather than open it.
 * @param platform The OS.
 * @param opener `SYNCAGENT_OPENER`, when set.
 * @returns The program and its arguments; null where there is no known way.
 */
export function openCommand(path: string, reveal: boolean, platform: NodeJS.Platform, opener?: string): { file: string; args: string[] } | null {
  if (opener) return { file: opener, args: [path] };
  switch (platform) {
    case "darwin":
      return { file: "open", args: reveal ? ["-R", "--", path] : ["--", path] };
    case "win32":
      return { file: "explorer.exe", args: reveal ? [`/select,${path}`] : [path] };
    case "linux":
    case "freebsd":
    case "openbsd":
    case "netbsd":
      // xdg-open has no "reveal": it opens the folder that holds the file.
      return { file: "xdg-open", args: [reveal ? dirname(path) : path] };
    default:
      return null;
  }
}

/** Runs a program; resolves with its exit error, if any. */
export type OpenRunner = (file: string, args: string[]) => Promise<void>;

const execRunner: OpenRunner = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000, windowsHide: true }, (error) => (error ? reject(new Error(`${file} failed: ${error.message}`)) : resolve()));
  });

/**
 * Opens or reveals a path.
 * @param path The absolute path.
 * @param options Reveal rather than open, the OS, the opener override and how to run it.
 * @param options.reveal Show it in its folder.
 * @param options.platform The OS. @default process.platform
 * @param options.opener `SYNCAGENT_OPENER`.
 * @param options.run How to run the program. @default execFile
 * @throws Error when there is no way to open files here, or the program failed.
 */
export async function openPath(path: string, options: { reveal: boolean; platform?: NodeJS.Platform; opener?: string; run?: OpenRunner }): Promise<void> {
  const platform = options.platform ?? process.platform;
  const command = openCommand(path, options.reveal, platform, options.opener);
  if (!command) throw new Error(`No known way to open files on ${platform}: set SYNCAGENT_OPENER to a program that opens a path`);
  await (options.run ?? execRunner)(command.file, command.args);
}
