/**
 * Putting the unlocked root key in the machine's key store, with the
 * message that names the other choices when the OS keyring is missing.
 */
import type { UnlockedVault } from "../../crypto/mod.ts";
import { writeAgentConfig, type AgentConfig, type KeyStoreKind } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { KeyringUnavailableError } from "../../platform/keyring/os-keyring.ts";
import { KeyStoreError } from "./key-store.ts";
import { openKeyStore } from "./open-key-store.ts";

/** What to say when the keyring cannot be used and no other store was chosen. */
export const KEY_STORE_CHOICES =
  "Choose where the unlocked key is kept: '--key-store file' keeps it in a 0600 file under the agent home " +
  "(safe from other non-root users; not from root, backups or anyone who reads the disk), or '--key-store none' keeps nothing " +
  "(the agent then needs the password at every start: SYNCAGENT_PASSWORD, --password-stdin or a systemd credential)";

/**
 * Stores the root key in the chosen key store and records the choice in the
 * config. Switching stores empties the previous one. Never falls back to
 * another store by itself.
 * @param paths The home's files.
 * @param config The machine's config.
 * @param vault The unlocked vault.
 * @param kind The store to use. @default config.keyStore
 * @returns The config as written (its `keyStore` is `kind`).
 * @throws KeyStoreError naming the choices when the OS keyring is unavailable.
 */
export async function rememberRootKey(paths: HomePaths, config: AgentConfig, vault: UnlockedVault, kind: KeyStoreKind = config.keyStore): Promise<AgentConfig> {
  const store = openKeyStore(kind, paths, config);
  try {
    await store.save(vault.rootKey);
  } catch (error) {
    if (error instanceof KeyringUnavailableError) throw new KeyStoreError(`${error.message}. ${KEY_STORE_CHOICES}`);
    throw error;
  }
  if (kind === config.keyStore) return config;
  // The previous store is emptied: the key must not linger where the user no longer expects it.
  await openKeyStore(config.keyStore, paths, config)
    .clear()
    .catch(() => false);
  const next = { ...config, keyStore: kind };
  await writeAgentConfig(paths.config, next);
  return next;
}

/**
 * Removes the root key from the configured store, and any key file store
 * left behind by an earlier choice.
 * @param paths The home's files.
 * @param config The machine's config.
 * @returns Whether a key was stored.
 * @throws KeyringUnavailableError when the configured store is the keyring and it cannot be used.
 */
export async function forgetRootKey(paths: HomePaths, config: AgentConfig): Promise<boolean> {
  const fromFile = config.keyStore === "file" ? false : await openKeyStore("file", paths, config).clear();
  const fromStore = await openKeyStore(config.keyStore, paths, config).clear();
  return fromFile || fromStore;
}
