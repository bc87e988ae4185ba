import { argon2id } from "hash-wasm";
import { KdfParametersError } from "./errors.ts";

/** Argon2id cost parameters, stored beside the wrapped master key (C1). */
export interface Argon2Params {
  /** Memory in KiB. */
  memoryKiB: number;
  /** Passes. */
  iterations: number;
  /** Lanes. */
  parallelism: number;
}

/** The default and pinned minimum: 64 MiB, 3 passes, 1 lane (about 0.3 s here). */
export const DEFAULT_ARGON2: Readonly<Argon2Params> = Object.freeze({ memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 });

/**
 * Upper bounds, so a hostile key file cannot make a machine allocate or spin
 * for minutes: 512 MiB, 4 passes, 4 lanes (about 10 times the default's
 * work). Measured here with hash-wasm, all three at once: 3.2 s on a quiet
 * machine, 6.4 to 8.8 s with both cores busy with other work, against
 * 0.31 s (quiet) for the default. The v1 ceiling (2 GiB × 32 passes × 16
 * lanes) would take about two minutes.
 */
export const MAX_ARGON2: Readonly<Argon2Params> = Object.freeze({ memoryKiB: 512 * 1024, iterations: 4, parallelism: 4 });

/**
 * Refuses parameters below the pinned minimum or above the sane maximum
 * (rule 7: a server offering weaker parameters is refused, never followed).
 * @param params Parameters read from a key file.
 * @throws KdfParametersError when out of bounds.
 */
export function checkArgon2Params(params: Argon2Params): void {
  const fields: (keyof Argon2Params)[] = ["memoryKiB", "iterations", "parallelism"];
  for (const field of fields) {
    const value = params[field];
    if (!Number.isInteger(value) || value < DEFAULT_ARGON2[field]) {
      throw new KdfParametersError(`Refusing key file: Argon2id ${field} ${value} is below the minimum ${DEFAULT_ARGON2[field]}`);
    }
    if (value > MAX_ARGON2[field]) {
      throw new KdfParametersError(`Refusing key file: Argon2id ${field} ${value} is above the maximum ${MAX_ARGON2[field]}`);
    }
  }
}

/**
 * Derives 32 bytes from a password with Argon2id. The password is
 * normalised to NFC first, so the same password typed on macOS and Linux
 * gives the same key.
 * @param password The master password (or any secret text).
 * @param salt 16 random bytes stored with the result's user.
 * @param params Cost parameters, checked against the pinned bounds.
 * @returns 32 bytes of key material.
 */
export async function deriveFromPassword(password: string, salt: Uint8Array, params: Argon2Params): Promise<Uint8Array<ArrayBuffer>> {
  checkArgon2Params(params);
  const out = await argon2id({
    password: password.normalize("NFC"),
    salt,
    iterations: params.iterations,
    parallelism: params.parallelism,
    memorySize: params.memoryKiB,
    hashLength: 32,
    outputType: "binary",
  });
  return new Uint8Array(out);
}

const encoder = new TextEncoder();

/**
 * HKDF-SHA-256 (RFC 5869) through WebCrypto.
 * @param ikm Input key material.
 * @param info Purpose label: each purpose gets its own label (rule 2).
 * @param length Output bytes. @default 32
 * @param salt HKDF salt. @default empty
 * @returns `length` bytes.
 */
export async function hkdf(ikm: Uint8Array<ArrayBuffer>, info: string, length = 32, salt: Uint8Array<ArrayBuffer> = new Uint8Array(0)): Promise<Uint8Array<ArrayBuffer>> {
  const base = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info: encoder.encode(info) }, base, length * 8);
  return new Uint8Array(bits);
}
