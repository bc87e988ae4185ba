/**
 * What a machine name may be (issue 15): the dashboard and the agents show
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
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;

/**
 * A machine name: none of its characters a control or bidi character (a
 * trailing newline is refused, not trimmed), then trimmed of spaces and put
 * in Unicode NFC, 1–64 characters.
 */
export const machineNameSchema = z
  .string()
  .max(4 * MACHINE_NAME_MAX)
  .refine((s) => !FORBIDDEN.test(s), "must not contain control or bidirectional-formatting characters")
  .transform((s) => s.trim().normalize("NFC"))
  .refine((s) => s.length > 0, "must not be empty")
  .refine((s) => [...s].length <= MACHINE_NAME_MAX, `must be at most ${MACHINE_NAME_MAX} characters`);
