/**
 * Argon2id password hashes in PHC string form, computed where the runtime
 * computes them best. Under Bun, `Bun.password` runs them natively on a
 * thread pool, so a login check no longer holds the event loop (about
 * 0.3 s each with hash-wasm, during which a server process answered
 * nothing else) and several checks run side by side. Elsewhere (Node, Deno)
 * hash-wasm computes them on the calling thread. Both read and write the
 * same standard strings, so a hash made by one verifies with the other.
 */
import { argon2Verify, argon2id } from "hash-wasm";
import { randomBytes } from "node:crypto";

/** Argon2id cost: memory in KiB and passes; parallelism 1, a 32-byte hash. */
export interface Argon2Cost {
  memorySize: number;
  iterations: number;
}

/** Hashes and checks PHC Argon2id strings. */
export interface PhcArgon2 {
  /** Where it runs: `bun` (native, off the event loop) or `wasm` (on the calling thread). */
  readonly kind: "bun" | "wasm";
  /** A fresh salt's hash: `$argon2id$v=19$m=…,t=…,p=1$<salt>$<hash>`. */
  hash(password: string, cost: Argon2Cost): Promise<string>;
  /** Whether the password matches the string. */
  verify(password: string, encoded: string): Promise<boolean>;
}

interface BunPassword {
  hash(password: string, options: { algorithm: "argon2id"; memoryCost: number; timeCost: number }): Promise<string>;
  verify(password: string, hash: string, algorithm?: "argon2id"): Promise<boolean>;
}

/** hash-wasm, on the calling thread: every runtime has it. */
export const wasmArgon2: PhcArgon2 = {
  kind: "wasm",
  hash: (password, cost) =>
    argon2id({ password, salt: randomBytes(16), memorySize: cost.memorySize, iterations: cost.iterations, parallelism: 1, hashLength: 32, outputType: "encoded" }),
  // A malformed string never matches (hash-wasm throws on it).
  verify: (password, encoded) => argon2Verify({ password, hash: encoded }).catch(() => false),
};

/**
 * `Bun.password`, when this runtime has it.
 * @returns The native hasher, or null outside Bun.
 */
export function bunArgon2(): PhcArgon2 | null {
  const password = (globalThis as { Bun?: { password?: BunPassword } }).Bun?.password;
  if (typeof password?.hash !== "function" || typeof password.verify !== "function") return null;
  return {
    kind: "bun",
    hash: (plain, cost) => password.hash(plain, { algorithm: "argon2id", memoryCost: cost.memorySize, timeCost: cost.iterations }),
    // A malformed string never matches, as with hash-wasm.
    verify: (plain, encoded) => password.verify(plain, encoded, "argon2id").catch(() => false),
  };
}

let chosen: PhcArgon2 | undefined;

/**
 * The hasher of this runtime: native under Bun, hash-wasm elsewhere.
 * @returns It (chosen once per process).
 */
export function runtimeArgon2(): PhcArgon2 {
  chosen ??= bunArgon2() ?? wasmArgon2;
  return chosen;
}
