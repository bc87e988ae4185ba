/**
 * Opens the key store a machine is configured with (`config.keyStore`).
 */
import type { AgentConfig, KeyStoreKind } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { FileKeyStore } from "./file-key-store.ts";
import type { KeyStore } from "./key-store.ts";
import { KeyringKeyStore } from "./keyring-key-store.ts";

/** The `none` store: nothing is kept, the agent asks for the password at every start. */
class NoKeyStore implements KeyStore {
  readonly kind = "none" as const;
  /** @returns Always null. */
  load(): Promise<null> {
    return Promise.resolve(null);
  }
  /** Keeps nothing. */
  save(): Promise<void> {
    return Promise.resolve();
  }
  /** @returns Always false. */
  clear(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

/**
 * Opens a machine's key store.
 * @param kind Which store.
 * @param paths The home's files (for the file store).
 * @param config Vault and machine ids (the keyring entry's account).
 * @returns The store.
 */
export function openKeyStore(kind: KeyStoreKind, paths: HomePaths, config: Pick<AgentConfig, "vaultId" | "machineId">): KeyStore {
  switch (kind) {
    case "keyring":
      return new KeyringKeyStore(config.vaultId, config.machineId);
    case "file":
      return new FileKeyStore(paths.keyStoreFile);
    case "none":
      return new NoKeyStore();
  }
}

