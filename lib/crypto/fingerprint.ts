import { concatBytes, toHex, utf8 } from "./bytes.ts";

/** Length of a root-key fingerprint, bytes (32 hex characters). */
export const FINGERPRINT_BYTES = 16;
const LABEL = utf8("syncagent/v2/fingerprint");

/**
 * The fingerprint of a vault's root key: HMAC-SHA-256(root key, label ‖
 * vault id), truncated to 128 bits. It reveals nothing about the key; it is
 * written in the key file (under its MAC), shown to the user and stored by
 * every agent, so a key file with another root key is refused.
 * @param rootKey The 32-byte root key.
 * @param vaultId The vault's 16-byte id.
 * @returns 32 lowercase hex characters.
 */
export async function rootKeyFingerprint(rootKey: Uint8Array<ArrayBuffer>, vaultId: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey("raw", rootKey, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, concatBytes(LABEL, vaultId)));
  return toHex(mac.subarray(0, FINGERPRINT_BYTES));
}

/**
 * Formats a fingerprint for people: eight groups of four hex digits.
 * @param fingerprint 32 hex characters.
 * @returns Text such as `3f2a-91c0-…`.
 */
export function formatFingerprint(fingerprint: string): string {
  return fingerprint.match(/.{1,4}/g)?.join("-") ?? fingerprint;
}
