/**
 * Where a conflict copy gets its name (A8):
 * `name.conflict-YYYYMMDD-HHMMSS-<machine>.ext`, the extension kept last so
 * the copy still opens with the same program.
 */

// Path separators, characters Windows refuses, control characters and spaces.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const UNSAFE = /[\\/:*?"<>|\u0000-\u001f\u007f\s]+/g;

/** Longest name most file systems take: 255 bytes of UTF-8 (ext4, and at most 255 UTF-16 units elsewhere). */
const MAX_NAME_BYTES = 255;
const encoder = new TextEncoder();

function bytesOf(text: string): number {
  return encoder.encode(text).length;
}

/** The longest start of `text` (whole code points) within `max` bytes. */
function fit(text: string, max: number): string {
  let out = "";
  let used = 0;
  for (const ch of text) {
    used += bytesOf(ch);
    if (used > max) break;
    out += ch;
  }
  return out;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * The name of the conflict copy of `name`.
 * @param name The file's name (one path component).
 * @param machine The machine's name (made safe for a file name here).
 * @param when The time of the conflict.
 * @param attempt 0 for the first choice; 1, 2… when that name is taken (adds `-2`, `-3`…).
 * @returns The copy's name.
 */
export function conflictCopyName(name: string, machine: string, when: Date, attempt = 0): string {
  const stamp =
    `${when.getFullYear()}${pad(when.getMonth() + 1)}${pad(when.getDate())}-` + `${pad(when.getHours())}${pad(when.getMinutes())}${pad(when.getSeconds())}`;
  // No leading or trailing dot or dash: Windows refuses a name ending in a dot.
  const who = [...machine.replace(UNSAFE, "-")].slice(0, 40).join("").replace(/^[-.]+|[-.]+$/g, "") || "machine";
  const suffix = `.conflict-${stamp}-${who}${attempt > 0 ? `-${attempt + 1}` : ""}`;
  const dot = name.lastIndexOf(".");
  // A leading dot is a hidden file's name, not an extension; a name ending in a dot has none either.
  const hasExt = dot > 0 && dot < name.length - 1;
  const stem = hasExt ? name.slice(0, dot) : name;
  let ext = hasExt ? name.slice(dot) : "";
  // Too long for the file system: the stem is shortened (an extension too long to keep is too).
  let room = MAX_NAME_BYTES - bytesOf(suffix) - bytesOf(ext);
  if (room < 1) {
    ext = fit(ext, Math.max(0, MAX_NAME_BYTES - bytesOf(suffix) - 1));
    room = MAX_NAME_BYTES - bytesOf(suffix) - bytesOf(ext);
  }
  return fit(stem, room) + suffix + ext;
}

/**
 * Tells whether a name is a conflict copy's.
 * @param name A file name.
 * @returns True for names `conflictCopyName` makes.
 */
export function isConflictCopyName(name: string): boolean {
  return /\.conflict-\d{8}-\d{6}-[^.]+/.test(name);
}
