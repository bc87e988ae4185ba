import { randomBytes } from "./bytes.ts";
import { wrapMasterKey } from "./key-file.ts";
import { DEFAULT_ARGON2, type Argon2Params } from "./kdf.ts";
import { formatRecoveryKey, RECOVERY_KEY_BYTES } from "./recovery-key.ts";
import { MASTER_KEY_BYTES } from "./subkeys.ts";

/** A new vault's secrets, as `init` creates them. */
export interface NewVault {
  /** The random 32-byte master key. */
  masterKey: Uint8Array<ArrayBuffer>;
  /** The key file: the master key wrapped by the password and by the recovery key. */
  keyFile: Uint8Array<ArrayBuffer>;
  /** The printable recovery key, shown once to the user (C7). */
  recoveryKey: string;
}

/**
 * Creates a vault's master key and key file (C1, C7).
 * @param password The master password chosen by the user.
 * @param params Argon2id costs. @default DEFAULT_ARGON2
 * @returns The master key, the key file and the printable recovery key.
 */
export async function createVault(password: string, params: Argon2Params = DEFAULT_ARGON2): Promise<NewVault> {
  const masterKey = randomBytes(MASTER_KEY_BYTES);
  const recoverySecret = randomBytes(RECOVERY_KEY_BYTES);
  const keyFile = await wrapMasterKey(masterKey, password, recoverySecret, params);
  return { masterKey, keyFile, recoveryKey: await formatRecoveryKey(recoverySecret) };
}
