/**
 * `init`: create the vault's keys on the first machine (C1, C4, C7). The
 * key file binds the server-assigned vault id, so the machine must be
 * registered first. The upload names version 0: if another machine of the
 * vault won the race, its key file is used instead.
 */
import { createVault, type UnlockedVault } from "../../crypto/mod.ts";
import { getKeyFile, KeyFileConflictError, putKeyFile } from "../client/enrol.ts";
import type { HttpTarget } from "../client/http.ts";
import { hasKeys, type AgentConfig } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { keepKeyFile } from "./local-key-file.ts";

/** The vault already has keys: this machine should unlock, not init. */
export class VaultExistsError extends Error {
  override name = "VaultExistsError";
}

/** The outcome of `initVault`. */
export type InitResult =
  | {
      outcome: "created";
      /** The printable recovery key: show it once, never store it. */
      recoveryKey: string;
      /** The fingerprint for people. */
      fingerprintText: string;
      vault: UnlockedVault;
      /** The config as written. */
      config: AgentConfig;
    }
  | {
      /** Another machine uploaded the first key file while this one was creating its own. */
      outcome: "taken";
    };

/**
 * Creates the vault's keys and uploads the key file.
 * @param paths The home's files.
 * @param config The machine's config (registered, no keys yet).
 * @param target Server and machine token.
 * @param password The new master password.
 * @returns The recovery key, fingerprint, vault and config; or `taken`.
 * @throws VaultExistsError when the machine or the server already has the vault's keys.
 */
export async function initVault(paths: HomePaths, config: AgentConfig, target: HttpTarget, password: string): Promise<InitResult> {
  if (hasKeys(config)) throw new VaultExistsError("This machine already has the vault's keys: nothing to create ('syncagent unlock' unlocks it)");
  if (await getKeyFile(target)) {
    throw new VaultExistsError("This vault already has keys, made on another machine: run 'syncagent unlock' with that master password");
  }
  const created = await createVault(password, { vaultId: config.vaultId });
  try {
    await putKeyFile(target, created.keyFile, 0);
  } catch (error) {
    if (error instanceof KeyFileConflictError) return { outcome: "taken" };
    throw error;
  }
  const next = await keepKeyFile(paths, config, created.keyFile, created.vault);
  return { outcome: "created", recoveryKey: created.recoveryKey, fingerprintText: created.fingerprintText, vault: created.vault, config: next };
}
