import { utf8 } from "./bytes.ts";
import { InvalidPathError } from "./errors.ts";

/** Longest path accepted, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 4096;
/** Longest single name accepted, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;
/** With the `u` flag a well-formed pair is one code point, so this matches lone surrogates only (`!isWellFormed()`). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Checks one path component (a file or folder name). Messages never echo
 * the name: agents forward errors to the server, which must not learn names (C5).
 * @param name The name.
 * @returns The name in NFC.
 * @throws InvalidPathError when empty, `.`/`..`, too long, containing `/` or NUL, or not well-formed UTF-16.
 */
export function normalizeName(name: string): string {
  // A lone surrogate has no UTF-8 form: encoding would turn it into U+FFFD, so
  // "a\ud800" and "a\ufffd" would share one encrypted name while their manifests differ.
  if (LONE_SURROGATE.test(name)) throw new InvalidPathError("Invalid name: it holds a lone UTF-16 surrogate (not valid Unicode)");
  const nfc = name.normalize("NFC");
  if (nfc === "" || nfc === "." || nfc === "..") throw new InvalidPathError("Invalid name: it is empty, '.' or '..'");
  if (nfc.includes("/") || nfc.includes("\0")) throw new InvalidPathError("Invalid name: it contains '/' or NUL");
  if (utf8(nfc).length > MAX_NAME_BYTES) throw new InvalidPathError(`Invalid name: longer than ${MAX_NAME_BYTES} bytes`);
  return nfc;
}

/**
 * Normalises a path relative to the sync folder: NFC, `/` separators, no
 * leading or trailing slash, no empty, `.` or `..` component. The root is `""`.
 * Platform separators are converted by the caller (the agent) before this.
 * @param path A relative path.
 * @returns The normalised path.
 * @throws InvalidPathError for a path that points outside the folder or is malformed.
 */
export function normalizePath(path: string): string {
  if (path === "") return "";
  if (path.startsWith("/")) throw new InvalidPathError("Invalid path: it is absolute; paths are relative to the sync folder");
  const nfc = path.normalize("NFC");
  if (utf8(nfc).length > MAX_PATH_BYTES) throw new InvalidPathError(`Invalid path: longer than ${MAX_PATH_BYTES} bytes`);
  const parts = nfc.split("/");
  for (const part of parts) {
    if (part === "..") throw new InvalidPathError("Invalid path: it points outside the sync folder");
    normalizeName(part);
  }
  return parts.join("/");
}

/**
 * The parent folder of a normalised path.
 * @param path A normalised path.
 * @returns The parent's path, `""` for a top-level entry.
 */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/**
 * The last component of a normalised path.
 * @param path A normalised, non-root path.
 * @returns Its name.
 */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
