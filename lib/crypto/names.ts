import { aessiv } from "@noble/ciphers/aes.js";
import { concatBytes, fromBase64Url, fromHex, fromUtf8, toBase64Url, utf8 } from "./bytes.ts";
import { IntegrityError, UnsupportedVersionError } from "./errors.ts";
import { normalizeName } from "./paths.ts";
import type { VaultKeys } from "./subkeys.ts";

/** Version of the encrypted-name format. */
export const NAME_FORMAT_VERSION = 1;

function ad(parentId: string): Uint8Array[] {
  return [Uint8Array.of(NAME_FORMAT_VERSION), fromHex(parentId)];
}

/**
 * Encrypts a file or folder name deterministically (AES-SIV), bound to the
 * id of its parent folder: the same name in the same folder gives the same
 * ciphertext, and a name moved under another folder no longer decrypts (rule 5).
 * @param keys The vault keys.
 * @param parentId The parent folder's path id (hex).
 * @param name The name (one path component).
 * @returns base64url of `version ‖ SIV ‖ ciphertext`.
 */
export function encryptName(keys: VaultKeys, parentId: string, name: string): string {
  const plain = utf8(normalizeName(name));
  const sealed = aessiv(keys.nameSiv, ...ad(parentId)).encrypt(plain);
  return toBase64Url(concatBytes(Uint8Array.of(NAME_FORMAT_VERSION), sealed));
}

/**
 * Decrypts a name made by `encryptName`.
 * @param keys The vault keys.
 * @param parentId The parent folder's path id (hex) the name claims to be in.
 * @param encrypted The encrypted name.
 * @returns The name.
 * @throws IntegrityError when altered or moved; UnsupportedVersionError for an unknown format.
 */
export function decryptName(keys: VaultKeys, parentId: string, encrypted: string): string {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(encrypted);
  } catch {
    throw new IntegrityError("Cannot decrypt name: it is not valid base64url");
  }
  if (bytes.length < 1 + 16) throw new IntegrityError("Cannot decrypt name: it is truncated");
  if (bytes[0] !== NAME_FORMAT_VERSION) throw new UnsupportedVersionError(`Cannot decrypt name: format version ${bytes[0]} is not supported`);
  try {
    const plain = aessiv(keys.nameSiv, ...ad(parentId)).decrypt(bytes.subarray(1));
    return normalizeName(fromUtf8(plain));
  } catch {
    throw new IntegrityError("Cannot decrypt name: it was altered or does not belong in this folder");
  }
}
