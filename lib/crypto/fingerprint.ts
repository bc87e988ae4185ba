import { toHex } from "./bytes.ts";
import { hkdf } from "./kdf.ts";

/** Length of a root-key fingerprint, bytes (32 hex characters). */
export const FINGERPRINT_BYTES = 16;
const LABEL = "syncagent/v2/fingerprint";

/**
 * The fingerprint of a vault's root key: HKDF-SHA-256(root key, salt =
 * vault id, info "syncagent/v2/fingerprint"), 128 bits. Derived like every
 * other key from the root key (rule 2: the root key is only ever HKDF
 * input, never used as a key itself). It reveals nothing about the key; it
 * is written in the key file (under its MAC), shown to the user and stored
 * by every agent, so a key file with another root key is refused.
 * @param rootKey The 32-byte root key.
 * @param vaultId The vault's 16-byte id.
 * @returns 32 lowercase hex characters.
 */
export async function rootKeyFingerprint(rootKey: Uint8Array<ArrayBuffer>, vaultId: Uint8Array): Promise<string> {
  return toHex(await hkdf(rootKey, LABEL, FINGERPRINT_BYTES, new Uint8Array(vaultId)));
}

/**
 * Formats a fingerprint for people: eight groups of four hex digits.
 * @param fingerprint 32 hex characters.
 * @returns Text such as `3f2a-91c0-…`.
 */
export function formatFingerprint(fingerprint: string): string {
  return fingerprint.match(/.{1,4}/g)?.join("-") ?? fingerprint;
}
