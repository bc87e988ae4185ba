import { decryptFailure } from "./aead.ts";
import { concatBytes, fromBase64Url, fromHex, fromUtf8, toBase64Url, u32be, utf8 } from "./bytes.ts";
import { IntegrityError } from "./errors.ts";
import type { Keyring } from "./keyring.ts";
import { isNodeId } from "./node-id.ts";
import { OBJECT_FORMAT_VERSION, OBJECT_HEADER_BYTES, writeHeader } from "./object-format.ts";
import { pad, paddedNameLength, unpad } from "./padding.ts";
import { MAX_NAME_BYTES, normalizeName } from "./paths.ts";
import { sivDecrypt, sivEncrypt } from "./siv.ts";
import type { EpochKeys } from "./subkeys.ts";

const SIV_BYTES = 16;
const WHAT = "name";

/** Longest encrypted name, base64url characters (a 255-byte name): the server's bound. */
export const MAX_ENCRYPTED_NAME_CHARS = Math.ceil(((OBJECT_HEADER_BYTES + SIV_BYTES + paddedNameLength(MAX_NAME_BYTES)) * 4) / 3);

function ad(keys: EpochKeys, parentId: string): Uint8Array[] {
  return [concatBytes(Uint8Array.of(OBJECT_FORMAT_VERSION), u32be(keys.epoch), keys.vaultId, fromHex(parentId))];
}

/**
 * Encrypts a file or folder name deterministically (AES-SIV), padded to a
 * 32-byte bucket, bound to format, epoch, vault and the parent's node id:
 * the same name in the same folder gives the same ciphertext (the server
 * keeps names unique among live children), and a name moved under another
 * folder no longer decrypts (rule 5).
 * @param keys The epoch's keys (`keyring.current`).
 * @param parentId The parent's node id (`ROOT_NODE_ID` at the top).
 * @param name The name (one path component; NFC-normalised here).
 * @returns base64url of `format(1) ‖ epoch(4) ‖ SIV(16) ‖ ciphertext(padded)`.
 */
export function encryptName(keys: EpochKeys, parentId: string, name: string): string {
  if (!isNodeId(parentId)) throw new RangeError("A parent id is a node id (32 lowercase hex)");
  const plain = utf8(normalizeName(name));
  const sealed = sivEncrypt(keys.nameSiv, ad(keys, parentId), pad(plain, paddedNameLength(plain.length)));
  const header = new Uint8Array(OBJECT_HEADER_BYTES);
  writeHeader(header, keys.epoch);
  return toBase64Url(concatBytes(header, sealed));
}

/**
 * Decrypts a name made by `encryptName`, with the keys of the epoch its header names.
 * @param keyring The vault's keyring.
 * @param parentId The parent node id the name claims to be under.
 * @param encrypted The encrypted name (untrusted).
 * @returns The name.
 * @throws IntegrityError (one message) when altered or moved; UnsupportedVersionError for an unknown format.
 */
export function decryptName(keyring: Keyring, parentId: string, encrypted: string): string {
  const failure = () => new IntegrityError(decryptFailure(WHAT));
  if (encrypted.length > MAX_ENCRYPTED_NAME_CHARS || !isNodeId(parentId)) throw failure();
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(encrypted);
  } catch {
    throw failure();
  }
  // One spelling per name: no padding, no stray low bits, so a folder cannot
  // hold the same encrypted name twice under two spellings.
  if (toBase64Url(bytes) !== encrypted) throw failure();
  const keys = keyring.keysFor(bytes, WHAT, OBJECT_HEADER_BYTES + SIV_BYTES + 1);
  try {
    const padded = sivDecrypt(keys.nameSiv, ad(keys, parentId), bytes.subarray(OBJECT_HEADER_BYTES));
    const plain = padded && unpad(padded, paddedNameLength);
    if (!plain) throw failure();
    const name = fromUtf8(plain);
    if (normalizeName(name) !== name) throw failure();
    return name;
  } catch {
    throw failure();
  }
}
