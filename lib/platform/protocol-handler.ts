/**
 * Registers this program as the handler of `syncfile://` links (W6, D1).
 * - Linux and the BSDs (freedesktop): a desktop entry under
 *   `$XDG_DATA_HOME/applications` whose `Exec` runs `open-url`, made the
 *   default for `x-scheme-handler/syncfile` in `$XDG_CONFIG_HOME/mimeapps.list`
 *   (what `xdg-mime default` writes; other lines are kept as they are).
 * - Windows: the per-user class `HKCU\Software\Classes\syncfile`, written
 *   with `reg.exe`.
 * - macOS needs an application bundle for LaunchServices: not in this
 *   version; the error says so and how to open a link by hand.
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { SCHEME } from "../agent/links/syncfile-url.ts";

/** The desktop entry's file name. */
export const DESKTOP_ID = "syncagent-syncfile.desktop";
/** The MIME type freedesktop gives a URL scheme. */
export const SCHEME_MIME = `x-scheme-handler/${SCHEME}`;
const DEFAULTS = "[Default Applications]";

/**
 * One argument of a desktop entry's `Exec`, quoted as the specification asks.
 * @param arg The argument.
 * @returns It, in double quotes when needed, with `"`, `` ` ``, `$`, `\` escaped and `%` doubled.
 */
export function desktopExecArg(arg: string): string {
  const percent = arg.replace(/%/g, "%%");
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(percent)) return percent;
  return `"${percent.replace(/(["`$\\])/g, "\\$1")}"`;
}

/**
 * The desktop entry that hands a link to `open-url`.
 * @param command The program and its leading arguments (selfCommand()).
 * @param home The agent's home.
 * @returns The file's text.
 */
export function desktopEntry(command: readonly string[], home: string): string {
  const exec = [...command, "open-url", "--home", home].map(desktopExecArg).join(" ");
  return ["[Desktop Entry]", "Type=Application", "Name=SyncAgent link", "Comment=Opens syncfile:// links to files of this machine's synced folder", `Exec=${exec} %u`, "Terminal=false", "NoDisplay=true", `MimeType=${SCHEME_MIME};`, ""].join("\n");
}

/**
 * Sets or removes the default handler of a MIME type in a `mimeapps.list`.
 * @param text The file's text ("" when there is none).
 * @param mime The MIME type.
 * @param desktopId The handler, or null to remove ours.
 * @returns The new text; every other line unchanged.
 */
export function withDefaultHandler(text: string, mime: string, desktopId: string | null): string {
  const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
  const start = lines.findIndex((l) => l.trim() === DEFAULTS);
  if (start === -1) return desktopId === null ? text : [...lines, ...(lines.length ? [""] : []), DEFAULTS, `${mime}=${desktopId};`, ""].join("\n");
  let end = lines.findIndex((l, i) => i > start && l.trim().startsWith("["));
  if (end === -1) end = lines.length;
  const at = lines.findIndex((l, i) => i > start && i < end && l.split("=")[0]!.trim() === mime);
  if (desktopId === null) {
    if (at !== -1 && lines[at]!.includes(DESKTOP_ID)) lines.splice(at, 1);
  } else if (at !== -1) lines[at] = `${mime}=${desktopId};`;
  else lines.splice(start + 1, 0, `${mime}=${desktopId};`);
  return `${lines.join("\n")}\n`;
}

/**
 * The `reg.exe` runs that register (or remove) the per-user URL class on Windows.
 * @param command The program and its leading arguments.
 * @param home The agent's home.
 * @param remove Remove instead.
 * @returns One argument array per run of `reg.exe`.
 */
export function windowsRegistryRuns(command: readonly string[], home: string, remove = false): string[][] {
  const key = `HKCU\\Software\\Classes\\${SCHEME}`;
  if (remove) return [["delete", key, "/f"]];
  const quoted = (arg: string) => `"${arg.replace(/"/g, '\\"')}"`;
  const open = [...command, "open-url", "--home", home].map(quoted).join(" ") + ' "%1"';
  return [
    ["add", key, "/ve", "/d", "URL:SyncAgent link", "/f"],
    ["add", key, "/v", "URL Protocol", "/d", "", "/f"],
    ["add", `${key}\\shell\\open\\command`, "/ve", "/d", open, "/f"],
  ];
}

/** Where the freedesktop files go. */
export interface XdgDirs {
  /** `$XDG_DATA_HOME`, default `~/.local/share`. */
  dataHome: string;
  /** `$XDG_CONFIG_HOME`, default `~/.config`. */
  configHome: string;
}

/**
 * The freedesktop folders from an environment.
 * @param env The environment.
 * @returns The folders.
 */
export function xdgDirs(env: Record<string, string | undefined>): XdgDirs {
  const home = env.HOME ?? homedir();
  return { dataHome: env.XDG_DATA_HOME || join(home, ".local", "share"), configHome: env.XDG_CONFIG_HOME || join(home, ".config") };
}

/** How a registration ran: the files written or the commands run. */
export interface Registration {
  platform: NodeJS.Platform;
  /** Files written or removed. */
  files: string[];
}

function runReg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile("reg.exe", args, { windowsHide: true, timeout: 15_000 }, (e) => (e ? reject(new Error(`reg.exe ${args[0]} failed: ${e.message}`)) : resolve())));
}

async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}

/**
 * Registers or removes this program as the `syncfile://` handler of this user.
 * @param options What to run, for which home, where, and on which OS.
 * @param options.command The program and its leading arguments (selfCommand()).
 * @param options.home The agent's home.
 * @param options.env The environment (XDG folders).
 * @param options.remove Remove the registration instead.
 * @param options.platform The OS. @default process.platform
 * @returns What was written.
 * @throws Error on macOS and other systems without a known way.
 */
export async function setProtocolHandler(options: { command: readonly string[]; home: string; env: Record<string, string | undefined>; remove?: boolean; platform?: NodeJS.Platform }): Promise<Registration> {
  const platform = options.platform ?? process.platform;
  if (platform === "win32") {
    for (const args of windowsRegistryRuns(options.command, options.home, options.remove)) await runReg(args);
    return { platform, files: [`HKCU\\Software\\Classes\\${SCHEME}`] };
  }
  if (!["linux", "freebsd", "openbsd", "netbsd"].includes(platform)) {
    throw new Error(`Registering the ${SCHEME}:// handler is not available on ${platform} in this version: open a link with 'syncagent open-url <link>'`);
  }
  const dirs = xdgDirs(options.env);
  const entry = join(dirs.dataHome, "applications", DESKTOP_ID);
  const list = join(dirs.configHome, "mimeapps.list");
  if (options.remove) await rm(entry, { force: true });
  else {
    await mkdir(dirname(entry), { recursive: true });
    await writeFile(entry, desktopEntry(options.command, options.home), { mode: 0o644 });
  }
  const before = await readOrEmpty(list);
  const after = withDefaultHandler(before, SCHEME_MIME, options.remove ? null : DESKTOP_ID);
  if (after !== before) {
    await mkdir(dirname(list), { recursive: true });
    await writeFile(list, after);
  }
  return { platform, files: [entry, list] };
}
