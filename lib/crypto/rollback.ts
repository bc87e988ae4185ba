import { IntegrityError } from "./errors.ts";

/**
 * Refuses a version older than the highest this machine has seen for a path
 * (rule 8): a server that serves an old but genuine manifest as the head is
 * rolling the file back.
 * @param path Path (for the message).
 * @param offered The version the server says is current.
 * @param highestSeen The highest version this machine has accepted, 0 if none.
 * @throws IntegrityError when `offered < highestSeen`.
 */
export function assertNotRolledBack(path: string, offered: number, highestSeen: number): void {
  if (offered < highestSeen) {
    throw new IntegrityError(`Refusing '${path}': the server offers version ${offered}, older than version ${highestSeen} already seen`);
  }
}
