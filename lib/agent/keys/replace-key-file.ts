/**
 * Password changes (C4) and recovery (C7): both re-wrap the password slot
 * of the server's current key file (root key, recovery slot and keyring
 * kept byte for byte, no data re-encrypted) and upload it as the next
 * revision. A PUT that loses a race refetches and retries once; the local
 * copy is replaced only after the server took the new file.
 */
import { openWithPassword, openWithRecoveryKey, parseRecoveryKey, rewrapPassword, type UnlockedVault } from "../../crypto/mod.ts";
import { getKeyFile, KeyFileConflictError, putKeyFile } from "../client/enrol.ts";
import type { HttpTarget } from "../client/http.ts";
import type { AgentConfig } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { expectationOf, keepKeyFile } from "./local-key-file.ts";
import { NoKeyFileError } from "./unlock.ts";

/** A replaced key file: the vault as it opens from the new file, and the config as written. */
export interface Replaced {
  vault: UnlockedVault;
  config: AgentConfig;
  /** The key file was first seen here (recovery on a new machine): show the fingerprint. */
  firstOpen: boolean;
}

async function replace(
  target: HttpTarget,
  paths: HomePaths,
  config: AgentConfig,
  open: (keyFile: Uint8Array) => Promise<UnlockedVault>,
  newPassword: string,
): Promise<Replaced> {
  for (let attempt = 0; ; attempt++) {
    const served = await getKeyFile(target);
    if (!served) throw new NoKeyFileError("The server has no key file for this vault yet: run 'syncagent init' to create the vault's keys");
    const vault = await open(served.blob);
    const next = await rewrapPassword(served.blob, vault, newPassword);
    try {
      await putKeyFile(target, next, served.version);
    } catch (error) {
      if (error instanceof KeyFileConflictError && attempt === 0) continue;
      throw error;
    }
    const nextVault = { ...vault, revision: vault.revision + 1 };
    return { vault: nextVault, config: await keepKeyFile(paths, config, next, nextVault), firstOpen: config.fingerprint === undefined };
  }
}

/**
 * Changes the master password.
 * @param target Server and machine token.
 * @param paths The home's files.
 * @param config The machine's config.
 * @param passwords The current and the new password.
 * @returns The vault and config after the change.
 * @throws WrongPasswordError when the current password is wrong (nothing changes); IntegrityError for a refused key file.
 */
export function changeMasterPassword(
  target: HttpTarget,
  paths: HomePaths,
  config: AgentConfig,
  passwords: { current: string; next: string },
): Promise<Replaced> {
  return replace(target, paths, config, (keyFile) => openWithPassword(keyFile, passwords.current, expectationOf(config)), passwords.next);
}

/**
 * Sets a new master password with the recovery key (C7).
 * @param target Server and machine token.
 * @param paths The home's files.
 * @param config The machine's config (keys known or not).
 * @param secrets The recovery key as typed, and the new password.
 * @returns The vault and config after the reset.
 * @throws InvalidRecoveryKeyError for a mistyped key; WrongPasswordError when it is not this vault's.
 */
export async function recoverWithKey(
  target: HttpTarget,
  paths: HomePaths,
  config: AgentConfig,
  secrets: { recoveryKey: string; newPassword: string },
): Promise<Replaced> {
  const secret = await parseRecoveryKey(secrets.recoveryKey);
  return replace(target, paths, config, (keyFile) => openWithRecoveryKey(keyFile, secret, expectationOf(config)), secrets.newPassword);
}
