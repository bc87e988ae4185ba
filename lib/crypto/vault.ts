import { randomBytes, toHex } from "./bytes.ts";
import { formatFingerprint } from "./fingerprint.ts";
import { buildKeyFile, openWithRootKey, type UnlockedVault } from "./key-file.ts";
import { DEFAULT_ARGON2, type Argon2Params } from "./kdf.ts";
import { formatRecoveryKey, RECOVERY_KEY_BYTES } from "./recovery-key.ts";
import { SECRET_BYTES, VAULT_ID_BYTES } from "./subkeys.ts";

/** The first key epoch of a new vault. */
export const FIRST_EPOCH = 1;

/** A new vault's secrets, as `init` creates them. */
export interface NewVault {
  /** The key file: root key wrapped by the password and the recovery key, and the sealed keyring. */
  keyFile: Uint8Array<ArrayBuffer>;
  /** The printable recovery key, shown once to the user (C7). */
  recoveryKey: string;
  /** The vault, unlocked (vault id, fingerprint, root key, keyring). */
  vault: UnlockedVault;
  /**
   * The fingerprint for people (`formatFingerprint`): print it next to the
   * recovery key, so a fresh device's first unlock can be confirmed against it.
   */
  fingerprintText: string;
}

/** Options of `createVault`. */
export interface CreateVaultOptions {
  /** Argon2id costs. @default DEFAULT_ARGON2 */
  params?: Argon2Params;
  /** The vault id (32 hex), when the server assigned one. @default random */
  vaultId?: string;
}

/**
 * Creates a vault's keys and key file (C1, C7): a random vault id, root key,
 * recovery secret and first epoch secret, at revision 1.
 * @param password The master password chosen by the user.
 * @param options Argon2id costs and the vault id.
 * @returns The key file, the printable recovery key and the unlocked vault.
 */
export async function createVault(password: string, options: CreateVaultOptions = {}): Promise<NewVault> {
  const vaultId = options.vaultId ?? toHex(randomBytes(VAULT_ID_BYTES));
  const rootKey = randomBytes(SECRET_BYTES);
  const recoverySecret = randomBytes(RECOVERY_KEY_BYTES);
  const epochSecrets = new Map([[FIRST_EPOCH, randomBytes(SECRET_BYTES)]]);
  const keyFile = await buildKeyFile({ vaultId, rootKey, recoverySecret, password, epochSecrets, params: options.params ?? DEFAULT_ARGON2 });
  const vault = await openWithRootKey(keyFile, rootKey, { vaultId, firstOpen: true });
  return { keyFile, recoveryKey: await formatRecoveryKey(recoverySecret), vault, fingerprintText: formatFingerprint(vault.fingerprint) };
}
