/**
 * Names that come from other machines, checked where they are written (C6,
 * A-side safety). A name decrypted from the server was valid on the machine
 * that wrote it, which may be another operating system: `a:b` is a fine
 * Linux name and an alternate data stream on Windows, `CON` opens the
 * console there, `é` as NFC and as NFD are two names on Linux and one on
 * macOS. The agent checks each name for the platform it writes on, and each
 * path against the sync folder, before it touches the disk.
 *
 * Pure: no I/O. The platform is a parameter, so every rule can be tested on
 * any machine; only `isInsideFolder` defaults to the platform it runs on.
 */
import { posix, win32 } from "node:path";

/** An operating system the agent writes on, as `process.platform` names it. */
export type Platform = "linux" | "darwin" | "win32";

/** Why a name cannot be written on a platform. */
export type NameRefusalCode =
  | "empty"
  | "dot-name"
  | "slash"
  | "nul"
  | "lone-surrogate"
  | "backslash"
  | "colon"
  | "reserved-character"
  | "control-character"
  | "reserved-device-name"
  | "trailing-dot-or-space"
  | "collision";

/** A refusal: a code for programs and a message for people. The message never contains the name. */
export interface NameRefusal {
  code: NameRefusalCode;
  message: string;
  /** For `collision`: the index in `siblings` of the name it collides with. */
  sibling?: number;
}

/** Something allowed but worth showing the user: the name may not look like what it is. */
export interface NameWarning {
  code: "suspicious";
  /** `bidi-control`: the name holds a Unicode bidirectional control (U+202A–U+202E, U+2066–U+2069). */
  reason: "bidi-control";
  message: string;
}

/** The outcome of {@link checkName}: warnings come with either answer. */
export type NameCheck = { ok: true; warnings: NameWarning[] } | { ok: false; reason: NameRefusal; warnings: NameWarning[] };

/** Windows device names, reserved in every folder and with any extension (`com1.txt`). */
const DEVICE_NAMES = new Set([
  "CON",
  "PRN",
  "AUX",
  "NUL",
  "CONIN$",
  "CONOUT$",
  ...["COM", "LPT"].flatMap((prefix) => [..."0123456789\u00b9\u00b2\u00b3"].map((digit) => prefix + digit)),
]);

/** Characters Windows refuses in a name besides `\` and `:`. */
const WINDOWS_RESERVED = /[*?"<>|]/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const CONTROL = /[\u0000-\u001f]/;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * Checks that `name` can be written as one file or folder name on
 * `platform`, next to `siblings`.
 *
 * Every platform takes any POSIX-valid name: not empty, not `.` or `..`, no
 * `/`, no NUL. Windows also refuses `\`, `:`, `*?"<>|`, U+0000–U+001F, the
 * device names (CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM0–COM9, LPT0–LPT9,
 * also with ¹²³ as digits, in any case, with or without an extension) and a
 * trailing dot or space. A name collides with a sibling when the platform
 * would show both as one: the same string on Linux; on macOS (APFS and HFS+
 * fold case and normalisation by default) and Windows the same under simple
 * case folding and Unicode normalisation (NFC = NFD). NTFS itself keeps NFC
 * and NFD apart, but the two look identical to users and to the many tools
 * that normalise, so Windows refuses them too. Bidirectional controls are
 * allowed, with a `suspicious` warning.
 *
 * @param name The name, one path segment.
 * @param platform Where it is about to be written.
 * @param siblings The other names already in the folder (not the entry itself when it is being renamed).
 * @returns `ok`, or the first reason it cannot be written; warnings either way.
 */
export function checkName(name: string, platform: Platform, siblings: readonly string[] = []): NameCheck {
  const warnings: NameWarning[] = [];
  if (BIDI_CONTROL.test(name)) {
    warnings.push({
      code: "suspicious",
      reason: "bidi-control",
      message: "The name holds a bidirectional text control: it may display differently from what it is (its extension, for one)",
    });
  }
  const reason = formatRefusal(name, platform) ?? collision(name, platform, siblings);
  return reason ? { ok: false, reason, warnings } : { ok: true, warnings };
}

function formatRefusal(name: string, platform: Platform): NameRefusal | undefined {
  if (name === "") return { code: "empty", message: "A name cannot be empty" };
  if (name === "." || name === "..") return { code: "dot-name", message: "'.' and '..' name the folder itself or its parent, not an entry" };
  if (name.includes("/")) return { code: "slash", message: "A name cannot contain '/'" };
  if (name.includes("\0")) return { code: "nul", message: "A name cannot contain the NUL character" };
  // Not well-formed UTF-16 (`!isWellFormed()`): no file system stores it as given, and UTF-8 turns it into U+FFFD.
  if (/\p{Surrogate}/u.test(name)) return { code: "lone-surrogate", message: "A name cannot hold a lone UTF-16 surrogate (it is not valid Unicode)" };
  if (platform !== "win32") return undefined;
  if (name.includes("\\")) return { code: "backslash", message: "Windows does not allow '\\' in a name" };
  if (name.includes(":")) return { code: "colon", message: "Windows does not allow ':' in a name (it names a drive or a data stream)" };
  if (WINDOWS_RESERVED.test(name)) return { code: "reserved-character", message: "Windows does not allow any of * ? \" < > | in a name" };
  if (CONTROL.test(name)) return { code: "control-character", message: "Windows does not allow control characters (U+0000 to U+001F) in a name" };
  if (isWindowsDeviceName(name)) {
    return { code: "reserved-device-name", message: "Windows reserves this name for a device (the console, a printer or a serial or parallel port), with or without an extension" };
  }
  if (/[. ]$/.test(name)) return { code: "trailing-dot-or-space", message: "Windows does not allow a name ending with a dot or a space" };
  return undefined;
}

/** True when Windows takes `name` for a device: the part before the first dot, trailing spaces dropped, is a device name. */
function isWindowsDeviceName(name: string): boolean {
  const base = (name.split(".")[0] ?? "").replace(/ +$/, "");
  return DEVICE_NAMES.has(base.toUpperCase());
}

function collision(name: string, platform: Platform, siblings: readonly string[]): NameRefusal | undefined {
  const key = collisionKey(name, platform);
  const index = siblings.findIndex((sibling) => collisionKey(sibling, platform) === key);
  if (index < 0) return undefined;
  const message =
    platform === "linux"
      ? "Another entry in this folder already has this name"
      : "Another entry in this folder has a name this platform takes for the same one (letter case and Unicode normalisation are ignored here)";
  return { code: "collision", message, sibling: index };
}

/** The string two names share when the platform's file system takes them for one. */
function collisionKey(name: string, platform: Platform): string {
  if (platform === "linux") return name;
  // Simple (one-to-one) case folding, as NTFS's upcase table and APFS do: ß stays ß, unlike toUpperCase's SS.
  let folded = "";
  for (const ch of name.normalize("NFC")) {
    const upper = ch.toUpperCase();
    folded += [...upper].length === 1 ? upper : ch;
  }
  return folded.normalize("NFC");
}

/**
 * True when `candidatePath`, taken relative to `root` (or as it is when
 * absolute), lies strictly inside the folder `root` on `platform`: no `..`
 * climbs out, no absolute path, drive or UNC path points elsewhere. On
 * Windows `\` separates too, a drive-relative path (`C:x`) is refused as
 * ambiguous, and a segment that is a device name (`sub\CON`) is refused
 * because it opens the device, not a file. The check is lexical: the caller
 * must still refuse to follow symbolic links it did not create.
 * On macOS the comparison keeps letter case, so a path that differs from the
 * root only in case is refused (the safe side).
 *
 * @param root The sync folder, an absolute path.
 * @param candidatePath The path about to be written.
 * @param platform Whose path rules apply; defaults to the platform this runs on.
 * @returns Whether writing there stays inside the folder.
 * @throws TypeError when `root` is not absolute.
 */
export function isInsideFolder(root: string, candidatePath: string, platform: Platform = hostPlatform()): boolean {
  const path = platform === "win32" ? win32 : posix;
  // On Windows only a drive (`C:\`) or UNC (`\\server\share`) root is fully absolute: `\x` depends on the current drive.
  if (platform === "win32" ? !/^(?:[a-z]:[\\/]|[\\/]{2}[^\\/])/i.test(root) : !path.isAbsolute(root)) {
    throw new TypeError("isInsideFolder needs an absolute root folder");
  }
  if (candidatePath.includes("\0") || root.includes("\0")) return false;
  if (platform === "win32" && /^[a-z]:(?![\\/])/i.test(candidatePath)) return false;
  const relative = path.relative(path.resolve(root), path.resolve(root, candidatePath));
  if (relative === "" || path.isAbsolute(relative)) return false;
  const segments = relative.split(path.sep);
  if (segments[0] === "..") return false;
  if (platform === "win32" && segments.some((segment) => isWindowsDeviceName(segment))) return false;
  return true;
}

/** The platform this code runs on, as a {@link Platform} (anything not Windows or macOS follows Linux rules). */
function hostPlatform(): Platform {
  const platform = (globalThis as { process?: { platform?: string } }).process?.platform;
  return platform === "win32" || platform === "darwin" ? platform : "linux";
}
