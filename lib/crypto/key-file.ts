import { importSealKey, isCommittedTo, open, seal, SEAL_OVERHEAD, type SealKey } from "./aead.ts";
import { concatBytes, randomBytes, utf8 } from "./bytes.ts";
import { CryptoError, IntegrityError, UnsupportedVersionError, WrongPasswordError } from "./errors.ts";
import { DEFAULT_ARGON2, deriveFromPassword, hkdf, type Argon2Params } from "./kdf.ts";
import { MASTER_KEY_BYTES } from "./subkeys.ts";

/**
 * The key file: the vault's master key wrapped once by the password
 * (Argon2id) and once by the recovery key (C1, C7). Layout in docs/security.md.
 * It is safe to store on the server: useless without the password or the
 * recovery key (rule 1).
 */

const MAGIC = utf8("SAKF");
/** Version of the key-file format this build writes and reads. */
export const KEY_FILE_VERSION = 1;
const SLOT_PASSWORD = 1;
const SLOT_RECOVERY = 2;
const KDF_ARGON2ID = 1;
const SALT_BYTES = 16;
const WRAPPED_BYTES = MASTER_KEY_BYTES + SEAL_OVERHEAD;
const PASSWORD_HEADER_BYTES = 1 + 4 + 4 + 1 + SALT_BYTES;
const MAC_BYTES = 32;

interface Slot {
  type: number;
  /** Slot bytes before the sealed box: KDF id, parameters, salt. */
  header: Uint8Array<ArrayBuffer>;
  box: Uint8Array<ArrayBuffer>;
}

function slotAd(type: number, header: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(MAGIC, Uint8Array.of(KEY_FILE_VERSION, type), header);
}

async function kekFromSecret(secret: Uint8Array<ArrayBuffer>, prefix: string, salt: Uint8Array<ArrayBuffer>): Promise<SealKey> {
  const [enc, commit] = await Promise.all([hkdf(secret, `${prefix}-enc`, 32, salt), hkdf(secret, `${prefix}-commit`, 32, salt)]);
  return importSealKey(enc, commit);
}

function passwordHeader(params: Argon2Params, salt: Uint8Array): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(PASSWORD_HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint8(0, KDF_ARGON2ID);
  view.setUint32(1, params.memoryKiB);
  view.setUint32(5, params.iterations);
  view.setUint8(9, params.parallelism);
  header.set(salt, 10);
  return header;
}

function readPasswordHeader(header: Uint8Array<ArrayBuffer>): { params: Argon2Params; salt: Uint8Array<ArrayBuffer> } {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (view.getUint8(0) !== KDF_ARGON2ID) throw new UnsupportedVersionError("Cannot open key file: unknown key-derivation function");
  return {
    params: { memoryKiB: view.getUint32(1), iterations: view.getUint32(5), parallelism: view.getUint8(9) },
    salt: header.slice(10, 10 + SALT_BYTES),
  };
}

async function passwordKek(password: string, header: Uint8Array<ArrayBuffer>): Promise<SealKey> {
  const { params, salt } = readPasswordHeader(header);
  const raw = await deriveFromPassword(password, salt, params);
  return kekFromSecret(raw, "syncagent/v1/password-kek", salt);
}

async function recoveryKek(secret: Uint8Array<ArrayBuffer>, header: Uint8Array<ArrayBuffer>): Promise<SealKey> {
  return kekFromSecret(secret, "syncagent/v1/recovery-kek", header);
}

async function macKey(masterKey: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const raw = await hkdf(masterKey, "syncagent/v1/key-file-mac");
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** Serialises slots and appends an HMAC under the master key over the whole file. */
async function encode(slots: Slot[], masterKey: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [MAGIC, Uint8Array.of(KEY_FILE_VERSION, slots.length)];
  for (const slot of slots) {
    const length = slot.header.length + slot.box.length;
    parts.push(Uint8Array.of(slot.type, length >> 8, length & 0xff), slot.header, slot.box);
  }
  const body = concatBytes(...parts);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await macKey(masterKey), body));
  return concatBytes(body, mac);
}

/** Checks the whole-file HMAC once a slot has yielded the master key. */
async function verifyFileMac(file: Uint8Array, masterKey: Uint8Array<ArrayBuffer>): Promise<void> {
  const body = file.slice(0, file.length - MAC_BYTES);
  const mac = file.slice(file.length - MAC_BYTES);
  if (!(await crypto.subtle.verify("HMAC", await macKey(masterKey), mac, body))) {
    throw new IntegrityError("Cannot open key file: it was altered");
  }
}

function decode(file: Uint8Array): Slot[] {
  const bad = () => new IntegrityError("Cannot open key file: it is damaged or truncated");
  if (file.length < 6 + MAC_BYTES || MAGIC.some((b, i) => file[i] !== b)) {
    throw new UnsupportedVersionError("Cannot open key file: this is not a SyncAgent key file");
  }
  if (file[4] !== KEY_FILE_VERSION) {
    throw new UnsupportedVersionError(`Cannot open key file: format version ${file[4]} is not supported by this version of SyncAgent`);
  }
  const count = file[5] ?? 0;
  if (count < 1 || count > 4) throw bad();
  const slots: Slot[] = [];
  const end = file.length - MAC_BYTES;
  let offset = 6;
  for (let i = 0; i < count; i++) {
    if (offset + 3 > end) throw bad();
    const type = file[offset] ?? 0;
    const length = ((file[offset + 1] ?? 0) << 8) | (file[offset + 2] ?? 0);
    const body = file.slice(offset + 3, Math.min(offset + 3 + length, end));
    offset += 3 + length;
    const headerBytes = type === SLOT_PASSWORD ? PASSWORD_HEADER_BYTES : type === SLOT_RECOVERY ? SALT_BYTES : -1;
    if (headerBytes < 0 || body.length !== headerBytes + WRAPPED_BYTES) throw bad();
    slots.push({ type, header: body.slice(0, headerBytes), box: body.slice(headerBytes) });
  }
  if (offset !== end) throw bad();
  return slots;
}

function findSlot(slots: Slot[], type: number, what: string): Slot {
  const slot = slots.find((s) => s.type === type);
  if (!slot) throw new CryptoError(`Cannot open key file: it has no ${what} slot`);
  return slot;
}

async function unwrapSlot(file: Uint8Array, slot: Slot, kek: SealKey, wrongSecret: string): Promise<Uint8Array<ArrayBuffer>> {
  const ad = slotAd(slot.type, slot.header);
  if (!(await isCommittedTo(kek, slot.box, ad))) throw new WrongPasswordError(wrongSecret);
  const key = await open(kek, slot.box, ad, "key file");
  if (key.length !== MASTER_KEY_BYTES) throw new IntegrityError("Cannot open key file: it is damaged");
  await verifyFileMac(file, key);
  return key;
}

async function passwordSlot(masterKey: Uint8Array<ArrayBuffer>, password: string, params: Argon2Params): Promise<Slot> {
  const header = passwordHeader(params, randomBytes(SALT_BYTES));
  const kek = await passwordKek(password, header);
  return { type: SLOT_PASSWORD, header, box: await seal(kek, masterKey, slotAd(SLOT_PASSWORD, header)) };
}

async function recoverySlot(masterKey: Uint8Array<ArrayBuffer>, secret: Uint8Array<ArrayBuffer>): Promise<Slot> {
  const header = randomBytes(SALT_BYTES);
  const kek = await recoveryKek(secret, header);
  return { type: SLOT_RECOVERY, header, box: await seal(kek, masterKey, slotAd(SLOT_RECOVERY, header)) };
}

/**
 * Wraps a master key into a new key file.
 * @param masterKey The 32-byte master key.
 * @param password The master password.
 * @param recoverySecret The 32-byte recovery secret.
 * @param params Argon2id costs; the pinned minimum is the default.
 * @returns The key file bytes.
 */
export async function wrapMasterKey(
  masterKey: Uint8Array<ArrayBuffer>,
  password: string,
  recoverySecret: Uint8Array<ArrayBuffer>,
  params: Argon2Params = DEFAULT_ARGON2,
): Promise<Uint8Array<ArrayBuffer>> {
  const [pw, rec] = await Promise.all([passwordSlot(masterKey, password, params), recoverySlot(masterKey, recoverySecret)]);
  return encode([pw, rec], masterKey);
}

/**
 * Opens a key file with the master password.
 * @param keyFile The key file bytes (from disk or from the server: untrusted).
 * @param password The master password.
 * @returns The 32-byte master key.
 * @throws WrongPasswordError, IntegrityError, UnsupportedVersionError, KdfParametersError.
 */
export async function unwrapWithPassword(keyFile: Uint8Array, password: string): Promise<Uint8Array<ArrayBuffer>> {
  const slot = findSlot(decode(keyFile), SLOT_PASSWORD, "password");
  const kek = await passwordKek(password, slot.header);
  return unwrapSlot(keyFile, slot, kek, "Wrong password");
}

/**
 * Opens a key file with the recovery secret (parse typed text with `parseRecoveryKey`).
 * @param keyFile The key file bytes.
 * @param recoverySecret The 32-byte recovery secret.
 * @returns The 32-byte master key.
 * @throws WrongPasswordError when the recovery key is not this vault's.
 */
export async function unwrapWithRecoveryKey(keyFile: Uint8Array, recoverySecret: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const slot = findSlot(decode(keyFile), SLOT_RECOVERY, "recovery");
  const kek = await recoveryKek(recoverySecret, slot.header);
  return unwrapSlot(keyFile, slot, kek, "Wrong recovery key: it does not belong to this vault");
}

/**
 * Replaces the password slot, keeping the master key and the recovery slot:
 * no data is re-encrypted (C4).
 * @param keyFile The current key file.
 * @param masterKey The master key, already unwrapped (by password or recovery key).
 * @param newPassword The new master password.
 * @param params Argon2id costs for the new slot.
 * @returns The new key file.
 */
export async function rewrapPassword(
  keyFile: Uint8Array,
  masterKey: Uint8Array<ArrayBuffer>,
  newPassword: string,
  params: Argon2Params = DEFAULT_ARGON2,
): Promise<Uint8Array<ArrayBuffer>> {
  const slots = decode(keyFile);
  await verifyFileMac(keyFile, masterKey);
  const fresh = await passwordSlot(masterKey, newPassword, params);
  return encode(
    slots.map((slot) => (slot.type === SLOT_PASSWORD ? fresh : slot)),
    masterKey,
  );
}

/**
 * Changes the master password: opens with the old one, re-wraps with the new.
 * @param keyFile The current key file.
 * @param oldPassword The current password.
 * @param newPassword The new password.
 * @returns The new key file; the master key is unchanged.
 */
export async function changePassword(keyFile: Uint8Array, oldPassword: string, newPassword: string): Promise<Uint8Array<ArrayBuffer>> {
  const masterKey = await unwrapWithPassword(keyFile, oldPassword);
  return rewrapPassword(keyFile, masterKey, newPassword);
}
