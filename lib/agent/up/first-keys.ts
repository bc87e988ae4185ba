/**
 * The vault keys of the machine `syncagent up` sets up (C1, C3, C4, C7):
 * the key store it keeps the unlocked key in (the OS keyring when one
 * answers, else the 0600 file with its warning; never silently `none`),
 * and the keys themselves: created when the vault has none yet (the
 * recovery key is handed back once), otherwise unlocked with the password.
 */
import { formatFingerprint } from "../../crypto/mod.ts";
import { getKeyFile } from "../client/enrol.ts";
import type { HttpTarget } from "../client/http.ts";
import type { AgentConfig, KeyStoreKind } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { KeyringUnavailableError } from "../../platform/keyring/os-keyring.ts";
import { initVault } from "../keys/init-vault.ts";
import { openKeyStore } from "../keys/open-key-store.ts";
import { rememberRootKey } from "../keys/remember-key.ts";
import { unlockMachine } from "../keys/unlock.ts";

/** The key store chosen for a machine. */
export interface KeyStoreChoice {
  kind: KeyStoreKind;
  /** Why the keyring was passed over, when it was. */
  reason?: string;
}

/**
 * Chooses where the unlocked key is kept: the given store, else the OS
 * keyring when it answers a read, else the file store (whose warning the
 * agent prints at each start).
 * @param paths The home's files.
 * @param config Vault and machine ids (the keyring entry's account).
 * @param wanted The store the user asked for, if any.
 * @returns The store, and why the keyring was passed over.
 */
export async function chooseKeyStore(paths: HomePaths, config: Pick<AgentConfig, "vaultId" | "machineId">, wanted?: KeyStoreKind): Promise<KeyStoreChoice> {
  if (wanted !== undefined) return { kind: wanted };
  try {
    await openKeyStore("keyring", paths, config).load();
    return { kind: "keyring" };
  } catch (error) {
    if (!(error instanceof KeyringUnavailableError)) throw error;
    return { kind: "file", reason: error.message };
  }
}

/** What setting up the keys did. */
export type MachineKeys =
  | {
      outcome: "created";
      /** The printable recovery key: show it once, never store it. */
      recoveryKey: string;
      fingerprintText: string;
      config: AgentConfig;
    }
  | {
      /** The vault already had keys (made on another machine, or a moment ago): unlocked with the password. */
      outcome: "unlocked";
      fingerprintText: string;
      config: AgentConfig;
    };

/**
 * Creates the vault's keys, or unlocks the ones another machine made, and
 * keeps the root key in the chosen store.
 * @param paths The home's files.
 * @param config The machine's config (registered, no keys yet).
 * @param target Server and machine token.
 * @param password The master password (new when the vault has no keys).
 * @param keyStore Where the root key is kept.
 * @param showRecoveryKey Called with the recovery key and fingerprint as soon as the keys exist, before anything
 *   else can fail: the recovery key cannot be had again.
 * @returns What happened, the recovery key when the keys were created, and the config as written.
 * @throws The crypto layer's WrongPasswordError when the vault exists and the password is not its own; KeyStoreError.
 */
export async function setUpMachineKeys(
  paths: HomePaths,
  config: AgentConfig,
  target: HttpTarget,
  password: string,
  keyStore: KeyStoreKind,
  showRecoveryKey: (recoveryKey: string, fingerprintText: string) => void,
): Promise<MachineKeys> {
  if (!(await getKeyFile(target))) {
    const created = await initVault(paths, config, target, password);
    if (created.outcome === "created") {
      showRecoveryKey(created.recoveryKey, created.fingerprintText);
      const kept = await rememberRootKey(paths, created.config, created.vault, keyStore);
      return { outcome: "created", recoveryKey: created.recoveryKey, fingerprintText: created.fingerprintText, config: kept };
    }
  }
  const unlocked = await unlockMachine({ paths, config, target, password, keyStore });
  return { outcome: "unlocked", fingerprintText: formatFingerprint(unlocked.vault.fingerprint), config: unlocked.config };
}
