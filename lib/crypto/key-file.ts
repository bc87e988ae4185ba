import { fromHex, randomBytes, toHex } from "./bytes.ts";
import { CryptoError, IntegrityError, UnsupportedVersionError } from "./errors.ts";
import { rootKeyFingerprint } from "./fingerprint.ts";
import { DEFAULT_ARGON2, type Argon2Params } from "./kdf.ts";
import {
  decodeKeyFile,
  encodeKeyFile,
  KEY_FILE_VERSION,
  SLOT_PASSWORD,
  SLOT_RECOVERY,
  verifyKeyFileMac,
  type KeyFileParts,
  type Slot,
} from "./key-file-layout.ts";
import { makePasswordSlot, makeRecoverySlot, openPasswordSlot, openRecoverySlot, type RandomSource } from "./key-slots.ts";
import { Keyring, MAX_EPOCH } from "./keyring.ts";
import { openKeyring, sealKeyring, type EpochSecrets } from "./keyring-box.ts";
import { OBJECT_FORMAT_VERSION } from "./object-format.ts";
import { SECRET_BYTES } from "./subkeys.ts";

export { KEY_FILE_VERSION } from "./key-file-layout.ts";

/**
 * The key file, format v2 (C1, C4, C7, C8; layout in docs/security.md §3):
 * a random root key wrapped by the password slot and the recovery slot; the
 * root key opens the sealed keyring of epoch secrets; a MAC under the root
 * key covers every byte, binding the vault id, the root key's fingerprint,
 * a revision counter and the minimum object format. It is safe to store on
 * the server: useless without the password or the recovery key (rule 1).
 */

/**
 * What the opener expects of a key file. Either what this machine already
 * knows of the vault (the highest revision seen and the root-key
 * fingerprint, both required), or an explicit `firstOpen: true` for the very
 * first unlock on a device that knows nothing yet: then only the vault id is
 * checked, and the agent shows `formatFingerprint(vault.fingerprint)` for the
 * user to confirm and stores the fingerprint and revision for next time.
 */
export type KeyFileExpectation =
  | {
      /** The vault it must belong to (32 hex). */
      vaultId: string;
      /** The highest revision already seen: an older file is a rollback. */
      minRevision: number;
      /** The root-key fingerprint already known (32 hex): a file with another root key is refused. */
      fingerprint: string;
      firstOpen?: never;
    }
  | {
      /** The vault it must belong to (32 hex). */
      vaultId: string;
      /** First sight of this vault on this device: no revision nor fingerprint to compare with. */
      firstOpen: true;
      minRevision?: never;
      fingerprint?: never;
    };

/** An opened key file: the vault's keys in memory. */
export interface UnlockedVault {
  /** The vault id (32 hex). */
  vaultId: string;
  /** The key file's revision. */
  revision: number;
  /** The root key's fingerprint (32 hex; show with `formatFingerprint`). */
  fingerprint: string;
  /** Lowest object format the vault accepts. */
  minFormat: number;
  /** The 32-byte root key (what the OS keyring keeps, C3). */
  rootKey: Uint8Array<ArrayBuffer>;
  /** Epoch → secret, as sealed in the key file. */
  epochSecrets: EpochSecrets;
  /** The derived working keys of every epoch. */
  keyring: Keyring;
}

/** The public header of a key file (not verified until the file is opened). */
export interface KeyFileHeader {
  vaultId: string;
  fingerprint: string;
  revision: number;
  minFormat: number;
}

/** Everything a new key file is made of. */
export interface KeyFileInput {
  vaultId: string;
  rootKey: Uint8Array<ArrayBuffer>;
  recoverySecret: Uint8Array<ArrayBuffer>;
  password: string;
  epochSecrets: EpochSecrets;
  /** @default DEFAULT_ARGON2 */
  params?: Argon2Params;
  /** @default 1 */
  revision?: number;
  /** @default OBJECT_FORMAT_VERSION */
  minFormat?: number;
}

function vaultIdBytes(vaultId: string): Uint8Array<ArrayBuffer> {
  if (!/^[0-9a-f]{32}$/.test(vaultId)) throw new RangeError("A vault id is 32 lowercase hex characters");
  return fromHex(vaultId);
}

function nextRevision(revision: number): number {
  if (revision >= 0xffffffff) throw new RangeError("The key file's revision counter is exhausted");
  return revision + 1;
}

/**
 * Makes a key file (for `createVault`; known-answer tests pass a fixed random source).
 * @param input Keys, password and counters.
 * @param random Source of salts and nonces. @default the platform CSPRNG
 * @returns The key file bytes.
 */
export async function buildKeyFile(input: KeyFileInput, random: RandomSource = randomBytes): Promise<Uint8Array<ArrayBuffer>> {
  const vaultId = vaultIdBytes(input.vaultId);
  if (input.rootKey.length !== SECRET_BYTES) throw new RangeError("A root key is 32 bytes");
  const password = await makePasswordSlot(input.rootKey, vaultId, input.password, input.params ?? DEFAULT_ARGON2, random);
  const recovery = await makeRecoverySlot(input.rootKey, vaultId, input.recoverySecret, random);
  const keyring = await sealKeyring(input.rootKey, vaultId, KEY_FILE_VERSION, input.epochSecrets, random(12));
  return encodeKeyFile(
    {
      vaultId,
      fingerprint: fromHex(await rootKeyFingerprint(input.rootKey, vaultId)),
      revision: input.revision ?? 1,
      minFormat: input.minFormat ?? OBJECT_FORMAT_VERSION,
      slots: [password, recovery],
      keyring,
    },
    input.rootKey,
  );
}

/**
 * Reads a key file's public header, unverified (to show which vault and
 * revision a file claims before asking for the password).
 * @param keyFile The key file.
 * @returns Vault id, fingerprint, revision and minimum format.
 */
export function readKeyFileHeader(keyFile: Uint8Array): KeyFileHeader {
  const parts = decodeKeyFile(keyFile);
  return { vaultId: toHex(parts.vaultId), fingerprint: toHex(parts.fingerprint), revision: parts.revision, minFormat: parts.minFormat };
}

function slot(parts: KeyFileParts, type: number, what: string): Slot {
  const found = parts.slots.find((s) => s.type === type);
  if (!found) throw new CryptoError(`Cannot open key file: it has no ${what} slot`);
  return found;
}

function checkExpectation(parts: KeyFileParts, expect: KeyFileExpectation): void {
  if (toHex(parts.vaultId) !== expect.vaultId) throw new IntegrityError("Cannot open key file: it belongs to another vault");
  if (expect.firstOpen === true) return;
  if (!Number.isSafeInteger(expect.minRevision) || typeof expect.fingerprint !== "string") {
    throw new TypeError("A key-file expectation needs minRevision and fingerprint, or firstOpen: true");
  }
  if (parts.revision < expect.minRevision) {
    throw new IntegrityError(
      `Cannot open key file: it is revision ${parts.revision}, older than revision ${expect.minRevision} already seen (a rollback)`,
    );
  }
  if (toHex(parts.fingerprint) !== expect.fingerprint) {
    throw new IntegrityError("Cannot open key file: its root-key fingerprint changed; it is not the key file of the vault this machine knows");
  }
}

async function unlock(
  keyFile: Uint8Array,
  expect: KeyFileExpectation,
  rootKeyOf: (parts: KeyFileParts) => Promise<Uint8Array<ArrayBuffer>>,
): Promise<UnlockedVault> {
  vaultIdBytes(expect.vaultId);
  const parts = decodeKeyFile(keyFile);
  checkExpectation(parts, expect);
  const rootKey = await rootKeyOf(parts);
  await verifyKeyFileMac(keyFile, rootKey, parts.vaultId);
  const fingerprint = await rootKeyFingerprint(rootKey, parts.vaultId);
  if (fingerprint !== toHex(parts.fingerprint)) throw new IntegrityError("Cannot open key file: it was altered");
  if (parts.minFormat > OBJECT_FORMAT_VERSION) {
    throw new UnsupportedVersionError(`Cannot open key file: this vault needs object format ${parts.minFormat}, newer than this version of SyncAgent`);
  }
  if (parts.minFormat < 1) throw new IntegrityError("Cannot open key file: it was altered");
  const epochSecrets = await openKeyring(rootKey, parts.vaultId, KEY_FILE_VERSION, parts.keyring);
  const keyring = await Keyring.fromSecrets(expect.vaultId, epochSecrets, parts.minFormat);
  return { vaultId: expect.vaultId, revision: parts.revision, fingerprint, minFormat: parts.minFormat, rootKey, epochSecrets, keyring };
}

/**
 * Opens a key file with the master password.
 * @param keyFile The key file bytes (from disk or from the server: untrusted).
 * @param password The master password.
 * @param expect The vault it must belong to with the lowest revision and the known fingerprint, or `firstOpen: true`.
 * @returns The unlocked vault.
 * @throws WrongPasswordError, IntegrityError (another vault, older revision, fingerprint change, altered), UnsupportedVersionError, KdfParametersError.
 */
export function openWithPassword(keyFile: Uint8Array, password: string, expect: KeyFileExpectation): Promise<UnlockedVault> {
  return unlock(keyFile, expect, (parts) => openPasswordSlot(slot(parts, SLOT_PASSWORD, "password"), parts.vaultId, password));
}

/**
 * Opens a key file with the recovery secret (parse typed text with `parseRecoveryKey`).
 * @param keyFile The key file bytes.
 * @param recoverySecret The 32-byte recovery secret.
 * @param expect As for `openWithPassword`.
 * @returns The unlocked vault.
 * @throws WrongPasswordError when the recovery key is not this vault's; as `openWithPassword` otherwise.
 */
export function openWithRecoveryKey(keyFile: Uint8Array, recoverySecret: Uint8Array<ArrayBuffer>, expect: KeyFileExpectation): Promise<UnlockedVault> {
  return unlock(keyFile, expect, (parts) => openRecoverySlot(slot(parts, SLOT_RECOVERY, "recovery"), parts.vaultId, recoverySecret));
}

/**
 * Opens a key file with the root key itself (kept in the OS keyring, C3).
 * @param keyFile The key file bytes.
 * @param rootKey The 32-byte root key.
 * @param expect As for `openWithPassword`.
 * @returns The unlocked vault.
 * @throws IntegrityError when the file is not this root key's or was altered.
 */
export function openWithRootKey(keyFile: Uint8Array, rootKey: Uint8Array<ArrayBuffer>, expect: KeyFileExpectation): Promise<UnlockedVault> {
  return unlock(keyFile, expect, () => Promise.resolve(rootKey));
}

async function authenticParts(keyFile: Uint8Array, vault: UnlockedVault): Promise<KeyFileParts> {
  const parts = decodeKeyFile(keyFile);
  checkExpectation(parts, { vaultId: vault.vaultId, fingerprint: vault.fingerprint, minRevision: 0 }); // the exact revision is checked below
  if (parts.revision !== vault.revision) {
    // Re-wrapping another revision than the one opened would give two different files the same revision.
    throw new IntegrityError(`Cannot update key file: it is revision ${parts.revision}, but the vault was opened from revision ${vault.revision}`);
  }
  await verifyKeyFileMac(keyFile, vault.rootKey, parts.vaultId);
  return parts;
}

/**
 * Replaces the password slot (password change, or a reset after opening
 * with the recovery key): the root key, the recovery slot and the keyring
 * are kept byte for byte, no data is re-encrypted (C4, C7); the revision
 * goes up by one.
 * @param keyFile The current key file.
 * @param vault The vault, unlocked from this file.
 * @param newPassword The new master password.
 * @param params Argon2id costs for the new slot. @default DEFAULT_ARGON2
 * @returns The new key file.
 */
export async function rewrapPassword(
  keyFile: Uint8Array,
  vault: UnlockedVault,
  newPassword: string,
  params: Argon2Params = DEFAULT_ARGON2,
): Promise<Uint8Array<ArrayBuffer>> {
  const parts = await authenticParts(keyFile, vault);
  const fresh = await makePasswordSlot(vault.rootKey, parts.vaultId, newPassword, params);
  const slots = parts.slots.map((s) => (s.type === SLOT_PASSWORD ? fresh : s));
  return encodeKeyFile({ ...parts, slots, revision: nextRevision(parts.revision) }, vault.rootKey);
}

/**
 * Changes the master password: opens with the old one, re-wraps with the new.
 * @param keyFile The current key file.
 * @param oldPassword The current password.
 * @param newPassword The new password.
 * @param expect As for `openWithPassword`.
 * @returns The new key file; the root key and keyring are unchanged, the revision is one higher.
 */
export async function changePassword(keyFile: Uint8Array, oldPassword: string, newPassword: string, expect: KeyFileExpectation): Promise<Uint8Array<ArrayBuffer>> {
  const vault = await openWithPassword(keyFile, oldPassword, expect);
  return rewrapPassword(keyFile, vault, newPassword);
}

/**
 * Adds a key epoch (rotation, C8): a fresh random epoch secret numbered one
 * above the newest, sealed with the others under the same root key; it
 * becomes the current epoch for every new write, and older epochs stay
 * readable. The slots are kept byte for byte; the revision goes up by one.
 * @param keyFile The current key file.
 * @param vault The vault, unlocked from this file.
 * @returns The new key file and the vault as it opens from it.
 */
export async function addEpoch(keyFile: Uint8Array, vault: UnlockedVault): Promise<{ keyFile: Uint8Array<ArrayBuffer>; vault: UnlockedVault }> {
  const parts = await authenticParts(keyFile, vault);
  const newest = Math.max(...vault.epochSecrets.keys());
  if (newest >= MAX_EPOCH) throw new RangeError("No epoch number is left");
  const epochSecrets = new Map(vault.epochSecrets);
  epochSecrets.set(newest + 1, randomBytes(SECRET_BYTES));
  const keyring = await sealKeyring(vault.rootKey, parts.vaultId, KEY_FILE_VERSION, epochSecrets);
  const revision = nextRevision(parts.revision);
  const next = await encodeKeyFile({ ...parts, keyring, revision }, vault.rootKey);
  return {
    keyFile: next,
    vault: { ...vault, revision, epochSecrets, keyring: await Keyring.fromSecrets(vault.vaultId, epochSecrets, parts.minFormat) },
  };
}
