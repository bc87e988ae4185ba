import { importSealKey, isCommittedTo, open, seal, type SealKey } from "./aead.ts";
import { concatBytes, randomBytes } from "./bytes.ts";
import { IntegrityError, UnsupportedVersionError, WrongPasswordError } from "./errors.ts";
import { deriveFromPassword, hkdf, type Argon2Params } from "./kdf.ts";
import { KDF_ARGON2ID, KEY_FILE_VERSION, MAGIC, PASSWORD_HEADER_BYTES, SALT_BYTES, SLOT_PASSWORD, SLOT_RECOVERY, type Slot } from "./key-file-layout.ts";
import { SECRET_BYTES } from "./subkeys.ts";

/**
 * The two key slots of a key file: the root key wrapped by a key derived
 * from the password (Argon2id) and by one derived from the recovery key
 * (C1, C7). Each slot is a committed box bound to the vault id and to its
 * own header (KDF parameters, salt).
 */

/** Supplies random bytes: the platform CSPRNG, or a fixed source in known-answer tests. */
export type RandomSource = (length: number) => Uint8Array<ArrayBuffer>;

function slotAd(type: number, vaultId: Uint8Array, header: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(MAGIC, Uint8Array.of(KEY_FILE_VERSION, type), vaultId, header);
}

async function kek(secret: Uint8Array<ArrayBuffer>, label: string, salt: Uint8Array<ArrayBuffer>): Promise<SealKey> {
  const [enc, commit] = await Promise.all([hkdf(secret, `${label}-enc`, 32, salt), hkdf(secret, `${label}-commit`, 32, salt)]);
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

async function passwordKek(password: string, header: Uint8Array<ArrayBuffer>, vaultId: Uint8Array): Promise<SealKey> {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (view.getUint8(0) !== KDF_ARGON2ID) throw new UnsupportedVersionError("Cannot open key file: unknown key-derivation function");
  const params = { memoryKiB: view.getUint32(1), iterations: view.getUint32(5), parallelism: view.getUint8(9) };
  const salt = header.slice(10, 10 + SALT_BYTES);
  const raw = await deriveFromPassword(password, salt, params);
  return kek(raw, "syncagent/v2/password-kek", concatBytes(salt, vaultId));
}

function recoveryKek(secret: Uint8Array<ArrayBuffer>, header: Uint8Array, vaultId: Uint8Array): Promise<SealKey> {
  return kek(secret, "syncagent/v2/recovery-kek", concatBytes(header, vaultId));
}

async function unwrap(slot: Slot, key: SealKey, vaultId: Uint8Array, wrongSecret: string): Promise<Uint8Array<ArrayBuffer>> {
  const ad = slotAd(slot.type, vaultId, slot.header);
  if (!(await isCommittedTo(key, slot.box, ad))) throw new WrongPasswordError(wrongSecret);
  const rootKey = await open(key, slot.box, ad, "key file");
  if (rootKey.length !== SECRET_BYTES) throw new IntegrityError("Cannot open key file: it was altered");
  return rootKey;
}

/**
 * Makes a password slot.
 * @param rootKey The root key.
 * @param vaultId The vault id (16 bytes).
 * @param password The master password.
 * @param params Argon2id costs.
 * @param random Source of the salt and nonce.
 * @returns The slot.
 */
export async function makePasswordSlot(
  rootKey: Uint8Array<ArrayBuffer>,
  vaultId: Uint8Array,
  password: string,
  params: Argon2Params,
  random: RandomSource = randomBytes,
): Promise<Slot> {
  const header = passwordHeader(params, random(SALT_BYTES));
  const key = await passwordKek(password, header, vaultId);
  return { type: SLOT_PASSWORD, header, box: await seal(key, rootKey, slotAd(SLOT_PASSWORD, vaultId, header), random(12)) };
}

/**
 * Makes a recovery slot.
 * @param rootKey The root key.
 * @param vaultId The vault id (16 bytes).
 * @param recoverySecret The 32-byte recovery secret.
 * @param random Source of the salt and nonce.
 * @returns The slot.
 */
export async function makeRecoverySlot(
  rootKey: Uint8Array<ArrayBuffer>,
  vaultId: Uint8Array,
  recoverySecret: Uint8Array<ArrayBuffer>,
  random: RandomSource = randomBytes,
): Promise<Slot> {
  const header = random(SALT_BYTES);
  const key = await recoveryKek(recoverySecret, header, vaultId);
  return { type: SLOT_RECOVERY, header, box: await seal(key, rootKey, slotAd(SLOT_RECOVERY, vaultId, header), random(12)) };
}

/**
 * Opens a password slot (KDF parameters checked before deriving).
 * @param slot The slot.
 * @param vaultId The vault id.
 * @param password The password typed.
 * @returns The root key.
 * @throws WrongPasswordError, IntegrityError, KdfParametersError, UnsupportedVersionError.
 */
export async function openPasswordSlot(slot: Slot, vaultId: Uint8Array, password: string): Promise<Uint8Array<ArrayBuffer>> {
  return unwrap(slot, await passwordKek(password, slot.header, vaultId), vaultId, "Wrong password");
}

/**
 * Opens a recovery slot.
 * @param slot The slot.
 * @param vaultId The vault id.
 * @param recoverySecret The 32-byte recovery secret.
 * @returns The root key.
 * @throws WrongPasswordError when the recovery key is not this vault's.
 */
export async function openRecoverySlot(slot: Slot, vaultId: Uint8Array, recoverySecret: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const key = await recoveryKek(recoverySecret, slot.header, vaultId);
  return unwrap(slot, key, vaultId, "Wrong recovery key: it does not belong to this vault");
}
