/**
 * What a machine name may be: the dashboard and the agents show
 * it, so it must not carry line breaks, NUL, terminal escapes or bidi
 * controls that reorder what surrounds it. Pure.
 */
import { z } from "zod";

/** Longest machine name, in characters (code points) after trimming and NFC. */
export const MACHINE_NAME_MAX = 64;

/**
 * C0 controls, DEL, C1 controls, the bidi embeddings and overrides
 * (U+202A–U+202E), the bidi isolates (U+2066–U+2069) and the invisible bidi
 * marks (U+200E, U+200F, U+061C).
 */
function isForbidden(cp: number): boolean {
  return (
    cp <= 0x1f ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0x200e ||
    cp === 0x200f ||
    cp === 0x061c
  );
}

/**
 * Whether a name holds a character no machine name may hold.
 * @param name The name as sent.
 * @returns True when one is there.
 */
export function hasForbiddenCharacter(name: string): boolean {
  for (const ch of name) if (isForbidden(ch.codePointAt(0) ?? 0)) return true;
  return false;
}

/**
 * A machine name: none of its characters a control or bidi character (a
 * trailing newline is refused, not trimmed), then trimmed of spaces and put
 * in Unicode NFC, 1–64 characters.
 */
export const machineNameSchema = z
  .string()
  .max(4 * MACHINE_NAME_MAX)
  .refine((s) => !hasForbiddenCharacter(s), "must not contain control or bidirectional-formatting characters")
  .transform((s) => s.trim().normalize("NFC"))
  .refine((s) => s.length > 0, "must not be empty")
  .refine((s) => [...s].length <= MACHINE_NAME_MAX, `must be at most ${MACHINE_NAME_MAX} characters`);
