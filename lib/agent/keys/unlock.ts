/**
 * `unlock`: verify the password against the freshest key file (the
 * server's, else the local copy when the server is unreachable), keep that
 * file, and put the root key in the key store (C3). The first unlock of a
 * machine is a first open: the caller shows the fingerprint to compare.
 */
import { openWithPassword, type UnlockedVault } from "../../crypto/mod.ts";
import { getKeyFile } from "../client/enrol.ts";
import { NetworkError, type HttpTarget } from "../client/http.ts";
import { hasKeys, type AgentConfig, type KeyStoreKind } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { expectationOf, keepKeyFile, readLocalKeyFile } from "./local-key-file.ts";
import { rememberRootKey } from "./remember-key.ts";

/** The server has no key file yet: the vault's keys must be created first. */
export class NoKeyFileError extends Error {
  override name = "NoKeyFileError";
}

/** Options of `unlockMachine`. */
export interface UnlockOptions {
  paths: HomePaths;
  config: AgentConfig;
  /** Server and machine token. */
  target: HttpTarget;
  /** The master password. */
  password: string;
  /** The key store to use from now on. @default config.keyStore */
  keyStore?: KeyStoreKind;
}

/** The outcome of an unlock. */
export interface UnlockResult {
  vault: UnlockedVault;
  /** The config as written. */
  config: AgentConfig;
  /** First sight of this vault here: show the fingerprint to compare. */
  firstOpen: boolean;
  /** The server could not be reached: the local copy was used. */
  offline: boolean;
}

/**
 * Fetches the freshest key file this machine can get and opens it with the password.
 * @param options Home, config, server and password.
 * @returns The key file, the vault and whether the local copy stood in for the server.
 * @throws NoKeyFileError when neither has one; the crypto layer's errors (nothing is written then).
 */
export async function openFreshest(options: Omit<UnlockOptions, "keyStore">): Promise<{ keyFile: Uint8Array; vault: UnlockedVault; offline: boolean }> {
  let keyFile: Uint8Array | null = null;
  let offline = false;
  try {
    keyFile = (await getKeyFile(options.target))?.blob ?? null;
    if (!keyFile) throw new NoKeyFileError("The server has no key file for this vault yet: run 'syncagent init' to create the vault's keys");
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    keyFile = await readLocalKeyFile(options.paths);
    if (!keyFile || !hasKeys(options.config)) throw error;
    offline = true;
  }
  const vault = await openWithPassword(keyFile, options.password, expectationOf(options.config));
  return { keyFile, vault, offline };
}

/**
 * Unlocks the machine: verifies the password, keeps the key file, stores the root key.
 * @param options Home, config, server, password and key store.
 * @returns The vault, the new config and what happened.
 * @throws NoKeyFileError, the crypto layer's WrongPasswordError / IntegrityError, KeyStoreError.
 */
export async function unlockMachine(options: UnlockOptions): Promise<UnlockResult> {
  const firstOpen = !hasKeys(options.config);
  const { keyFile, vault, offline } = await openFreshest(options);
  let config: AgentConfig = await keepKeyFile(options.paths, options.config, keyFile, vault);
  config = await rememberRootKey(options.paths, config, vault, options.keyStore ?? config.keyStore);
  return { vault, config, firstOpen, offline };
}
