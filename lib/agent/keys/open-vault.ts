/**
 * Opening the vault when the agent starts: from the root key in the key
 * store, else from the password (SYNCAGENT_PASSWORD or a prompt), else the
 * agent is locked.
 */
import { openWithPassword, openWithRootKey, type UnlockedVault } from "../../crypto/mod.ts";
import { hasKeys, type AgentConfig } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { KeyringUnavailableError } from "../../platform/keyring/os-keyring.ts";
import { FILE_STORE_WARNING } from "./file-key-store.ts";
import { readLocalKeyFile } from "./local-key-file.ts";
import { openKeyStore } from "./open-key-store.ts";
import { hintGarbageCollection } from "../../runtime/gc.ts";

/** Environment variable holding the master password for a non-interactive start. */
export const PASSWORD_ENV = "SYNCAGENT_PASSWORD";

/** The vault key is not available: no stored key and no password. */
export class VaultLockedError extends Error {
  override name = "VaultLockedError";
}

/** Options of `openAgentVault`. */
export interface OpenAgentVaultOptions {
  /** The home's files. */
  paths: HomePaths;
  /** The machine's config. */
  config: AgentConfig;
  /** The environment (`SYNCAGENT_PASSWORD`). */
  env: Record<string, string | undefined>;
  /** Asks for the password when nothing else gives the key (a TTY prompt). */
  readPassword?: () => Promise<string>;
  /** Receives warnings (the file key store, an unusable keyring). */
  warn?: (text: string) => void;
}

/**
 * Opens the vault from the local key file, for the agent.
 * @param options Home, config, environment, password prompt and warning sink.
 * @returns The unlocked vault.
 * @throws VaultLockedError when no key is stored and no password is given; the crypto layer's
 *   WrongPasswordError or IntegrityError (wrong password, altered or rolled-back file).
 */
export async function openAgentVault(options: OpenAgentVaultOptions): Promise<UnlockedVault> {
  const { paths, config } = options;
  if (!hasKeys(config)) {
    throw new VaultLockedError("This machine has no vault key yet: run 'syncagent init' (first machine) or 'syncagent unlock' (any other)");
  }
  const keyFile = await readLocalKeyFile(paths);
  if (!keyFile) throw new VaultLockedError(`The key file ${paths.keyFile} is missing: run 'syncagent unlock' to fetch it again`);
  const expect = { vaultId: config.vaultId, minRevision: config.keyRevision, fingerprint: config.fingerprint };

  const store = openKeyStore(config.keyStore, paths, config);
  if (store.kind === "file") options.warn?.(FILE_STORE_WARNING);
  let stored: Uint8Array<ArrayBuffer> | null = null;
  try {
    stored = await store.load();
  } catch (error) {
    if (!(error instanceof KeyringUnavailableError)) throw error;
    options.warn?.(`${error.message}; the password is needed instead`);
  }
  if (stored) return openWithRootKey(keyFile, stored, expect);

  const password = options.env[PASSWORD_ENV] || (options.readPassword ? await options.readPassword() : undefined);
  if (!password) throw new VaultLockedError(`The vault is locked: run 'syncagent unlock', or give the password in ${PASSWORD_ENV}`);
  const vault = await openWithPassword(keyFile, password, expect);
  // The key derivation's working memory (64 MiB or more) is garbage now: collected before the trees are loaded,
  // not on top of them.
  hintGarbageCollection(Number.POSITIVE_INFINITY);
  return vault;
}
