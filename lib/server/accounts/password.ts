/**
 * The admin password at rest: Argon2id in PHC string form, which carries
 * its parameters and salt, so stronger parameters can be adopted later
 * while older hashes still verify. Computed by the runtime's hasher
 * (lib/runtime/argon2-phc.ts): natively off the event loop under Bun,
 * hash-wasm elsewhere.
 */
import { runtimeArgon2 } from "../../runtime/argon2-phc.ts";

/** Argon2id parameters for the admin password (DESIGN §2: m ≥ 64 MiB, t ≥ 3). */
export const PASSWORD_PARAMS = { memorySize: 65_536, iterations: 3, parallelism: 1, hashLength: 32 } as const;

/** Shortest accepted password. */
export const MIN_PASSWORD_LENGTH = 12;

let runs = 0;

/**
 * How many Argon2id computations this process has run (hashes and
 * verifications): lets a test see what a request cost without a stopwatch.
 * @returns The count.
 */
export function argon2idRuns(): number {
  return runs;
}

/** Longest accepted password (bounds the hashing work an attacker can ask for). */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * Hashes a password with Argon2id and a fresh 16-byte salt.
 * @param password The password.
 * @returns `$argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>`.
 */
export async function hashPassword(password: string): Promise<string> {
  runs++;
  return runtimeArgon2().hash(password, PASSWORD_PARAMS);
}

/**
 * Checks a password against its stored hash. Refuses hashes weaker than
 * {@link PASSWORD_PARAMS} rather than accepting a downgraded row.
 * @param password The presented password.
 * @param encoded The stored PHC string.
 * @returns Whether the password matches.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const params = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(encoded);
  if (!params) return false;
  if (Number(params[1]) < PASSWORD_PARAMS.memorySize || Number(params[2]) < PASSWORD_PARAMS.iterations) return false;
  runs++;
  return runtimeArgon2().verify(password, encoded);
}

let dummyHash: Promise<string> | undefined;

/**
 * Computes the hash unknown user names are checked against, once per
 * process. The server awaits it before it listens: made lazily,
 * the first unknown-name login after a start cost two hashes instead of
 * one, which told that the name does not exist.
 * @returns Once the hash exists.
 */
export async function prepareDummyHash(): Promise<void> {
  dummyHash ??= hashPassword("dummy password never matches");
  await dummyHash;
}

/**
 * Spends the same work as a real verification, for unknown user names, so
 * response time does not tell which names exist.
 * @param password The presented password.
 */
export async function verifyAgainstDummy(password: string): Promise<void> {
  dummyHash ??= hashPassword("dummy password never matches");
  await verifyPassword(password, await dummyHash);
}
