import { SEAL_OVERHEAD } from "./aead.ts";
import { concatBytes, readU32be, u32be, utf8 } from "./bytes.ts";
import { IntegrityError, UnsupportedVersionError } from "./errors.ts";
import { FINGERPRINT_BYTES } from "./fingerprint.ts";
import { hkdf } from "./kdf.ts";
import { SECRET_BYTES, VAULT_ID_BYTES } from "./subkeys.ts";

/**
 * Byte layout of the key file, format v2 (docs/security.md §3):
 *
 *   "SAKF"(4) ‖ version=2(1) ‖ vault_id(16) ‖ fingerprint(16) ‖ revision(4) ‖ min_format(1) ‖ slot_count(1)
 *   ‖ slot_count × (type(1) ‖ length(2) ‖ body)
 *   ‖ keyring_length(2) ‖ keyring box
 *   ‖ mac(32) = HMAC-SHA-256(HKDF(root key, "syncagent/v2/key-file-mac", salt = vault id), every byte before it)
 */

/** The key file's magic bytes. */
export const MAGIC = utf8("SAKF");
/** Version of the key-file format this build writes and reads. */
export const KEY_FILE_VERSION = 2;
/** Slot type: the root key wrapped by the password (Argon2id). */
export const SLOT_PASSWORD = 1;
/** Slot type: the root key wrapped by the recovery key. */
export const SLOT_RECOVERY = 2;
/** KDF id of Argon2id in a password slot. */
export const KDF_ARGON2ID = 1;
/** Length of a slot salt, bytes. */
export const SALT_BYTES = 16;
/** A sealed 32-byte key. */
export const WRAPPED_BYTES = SECRET_BYTES + SEAL_OVERHEAD;
/** Password slot header: kdf(1) ‖ memory KiB(4) ‖ iterations(4) ‖ parallelism(1) ‖ salt(16). */
export const PASSWORD_HEADER_BYTES = 1 + 4 + 4 + 1 + SALT_BYTES;
/** Bytes before the first slot. */
export const FILE_HEADER_BYTES = 4 + 1 + VAULT_ID_BYTES + FINGERPRINT_BYTES + 4 + 1 + 1;
/** Offset of the revision counter. */
export const REVISION_OFFSET = 4 + 1 + VAULT_ID_BYTES + FINGERPRINT_BYTES;
const MAC_BYTES = 32;

/** One key slot. */
export interface Slot {
  type: number;
  /** Slot bytes before the sealed box: KDF id, parameters, salt (password); salt (recovery). */
  header: Uint8Array<ArrayBuffer>;
  box: Uint8Array<ArrayBuffer>;
}

/** A key file taken apart (nothing verified yet but its structure). */
export interface KeyFileParts {
  vaultId: Uint8Array<ArrayBuffer>;
  fingerprint: Uint8Array<ArrayBuffer>;
  revision: number;
  minFormat: number;
  slots: Slot[];
  keyring: Uint8Array<ArrayBuffer>;
}

async function macKey(rootKey: Uint8Array<ArrayBuffer>, vaultId: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const raw = await hkdf(rootKey, "syncagent/v2/key-file-mac", 32, vaultId);
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/**
 * Serialises a key file and appends its MAC under the root key.
 * @param parts Every field.
 * @param rootKey The root key.
 * @returns The key file.
 */
export async function encodeKeyFile(parts: KeyFileParts, rootKey: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const out: Uint8Array[] = [
    MAGIC,
    Uint8Array.of(KEY_FILE_VERSION),
    parts.vaultId,
    parts.fingerprint,
    u32be(parts.revision),
    Uint8Array.of(parts.minFormat, parts.slots.length),
  ];
  for (const slot of parts.slots) {
    const length = slot.header.length + slot.box.length;
    out.push(Uint8Array.of(slot.type, length >> 8, length & 0xff), slot.header, slot.box);
  }
  out.push(Uint8Array.of(parts.keyring.length >> 8, parts.keyring.length & 0xff), parts.keyring);
  const body = concatBytes(...out);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await macKey(rootKey, parts.vaultId), body));
  return concatBytes(body, mac);
}

/**
 * Checks the MAC over every byte of the file.
 * @param file The key file.
 * @param rootKey The root key a slot yielded.
 * @param vaultId The vault id read from the file.
 * @throws IntegrityError when any byte was altered.
 */
export async function verifyKeyFileMac(file: Uint8Array, rootKey: Uint8Array<ArrayBuffer>, vaultId: Uint8Array<ArrayBuffer>): Promise<void> {
  const body = file.slice(0, file.length - MAC_BYTES);
  const mac = file.slice(file.length - MAC_BYTES);
  if (!(await crypto.subtle.verify("HMAC", await macKey(rootKey, vaultId), mac, body))) {
    throw new IntegrityError("Cannot open key file: it was altered");
  }
}

/**
 * Takes a key file apart, checking magic, version and structure.
 * @param file The key file (untrusted).
 * @returns Its parts.
 * @throws UnsupportedVersionError for another file type or version; IntegrityError when damaged.
 */
export function decodeKeyFile(file: Uint8Array): KeyFileParts {
  const bad = () => new IntegrityError("Cannot open key file: it is damaged or truncated");
  if (file.length < FILE_HEADER_BYTES + 2 + MAC_BYTES || MAGIC.some((b, i) => file[i] !== b)) {
    throw new UnsupportedVersionError("Cannot open key file: this is not a SyncAgent key file");
  }
  if (file[4] !== KEY_FILE_VERSION) {
    throw new UnsupportedVersionError(`Cannot open key file: format version ${file[4]} is not supported by this version of SyncAgent`);
  }
  let offset = 5;
  const take = (n: number) => file.slice(offset, (offset += n));
  const vaultId = take(VAULT_ID_BYTES);
  const fingerprint = take(FINGERPRINT_BYTES);
  const revision = readU32be(file, offset);
  offset += 4;
  const minFormat = file[offset++] ?? 0;
  const count = file[offset++] ?? 0;
  if (count < 1 || count > 4) throw bad();
  const end = file.length - MAC_BYTES;
  const slots: Slot[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 3 > end) throw bad();
    const type = file[offset] ?? 0;
    const length = ((file[offset + 1] ?? 0) << 8) | (file[offset + 2] ?? 0);
    offset += 3;
    const headerBytes = type === SLOT_PASSWORD ? PASSWORD_HEADER_BYTES : type === SLOT_RECOVERY ? SALT_BYTES : -1;
    if (headerBytes < 0 || length !== headerBytes + WRAPPED_BYTES || offset + length > end) throw bad();
    if (slots.some((s) => s.type === type)) throw bad();
    slots.push({ type, header: take(headerBytes), box: take(WRAPPED_BYTES) });
  }
  if (offset + 2 > end) throw bad();
  const keyringLength = ((file[offset] ?? 0) << 8) | (file[offset + 1] ?? 0);
  offset += 2;
  if (offset + keyringLength !== end || keyringLength < SEAL_OVERHEAD) throw bad();
  return { vaultId, fingerprint, revision, minFormat, slots, keyring: take(keyringLength) };
}
