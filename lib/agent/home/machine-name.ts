/**
 * Machine names as the server accepts them (docs/api.md "Machines"):
 * trimmed, NFC, 1–64 characters, no control character and no bidi control.
 */

/**
 * C0, DEL, C1, and the bidi controls (embeddings, overrides, isolates, marks).
 * @param cp A code point.
 * @returns Whether a machine name may not hold it.
 */
function isForbidden(cp: number): boolean {
  return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f || cp === 0x061c;
}

const allowed = (ch: string): boolean => !isForbidden(ch.codePointAt(0) ?? 0);
/** Longest machine name, characters. */
export const MAX_MACHINE_NAME = 64;

/**
 * Checks a machine name the user gave.
 * @param name The name.
 * @returns The name as the server stores it (trimmed, NFC).
 * @throws RangeError saying what is wrong.
 */
export function checkMachineName(name: string): string {
  if (![...name].every(allowed)) throw new RangeError("The machine name holds a control or text-direction character");
  const clean = name.trim().normalize("NFC");
  if (clean.length === 0) throw new RangeError("The machine name is empty");
  if ([...clean].length > MAX_MACHINE_NAME) throw new RangeError(`The machine name is longer than ${MAX_MACHINE_NAME} characters`);
  return clean;
}

/**
 * A default machine name from the host name, made acceptable.
 * @param hostname `os.hostname()`.
 * @returns A valid name (`machine` when nothing usable is left).
 */
export function defaultMachineName(hostname: string): string {
  const clean = [...[...hostname].filter(allowed).join("").trim().normalize("NFC")].slice(0, MAX_MACHINE_NAME).join("").trim();
  return clean === "" ? "machine" : clean;
}
