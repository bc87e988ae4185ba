/**
 * Where a conflict copy gets its name (A8):
 * `name.conflict-YYYYMMDD-HHMMSS-<machine>.ext`, the extension kept last so
 * the copy still opens with the same program.
 */

// Path separators, characters Windows refuses, control characters and spaces.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const UNSAFE = /[\\/:*?"<>|\u0000-\u001f\u007f\s]+/g;

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
  const who = machine.replace(UNSAFE, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "machine";
  const suffix = `.conflict-${stamp}-${who}${attempt > 0 ? `-${attempt + 1}` : ""}`;
  const dot = name.lastIndexOf(".");
  // A leading dot is a hidden file's name, not an extension; a name ending in a dot has none either.
  if (dot <= 0 || dot === name.length - 1) return name + suffix;
  return name.slice(0, dot) + suffix + name.slice(dot);
}

/**
 * Tells whether a name is a conflict copy's.
 * @param name A file name.
 * @returns True for names `conflictCopyName` makes.
 */
export function isConflictCopyName(name: string): boolean {
  return /\.conflict-\d{8}-\d{6}-[^.]+/.test(name);
}
