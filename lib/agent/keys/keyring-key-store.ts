import { Buffer } from "node:buffer";
import { openKeyringEntry, type KeyringEntry } from "../../platform/keyring/os-keyring.ts";
import { checkRootKey, type KeyStore } from "./key-store.ts";

/** The keyring service name of every SyncAgent entry. */
export const KEYRING_SERVICE = "syncagent";

/**
 * The `keyring` key store: the root key, base64, in the OS keyring under
 * service `syncagent`, account `<vaultId>:<machineId>`. Without a usable
 * keyring every method rejects with KeyringUnavailableError.
 */
export class KeyringKeyStore implements KeyStore {
  readonly kind = "keyring" as const;
  private readonly entry: KeyringEntry;

  /**
   * @param vaultId The vault.
   * @param machineId This machine.
   */
  constructor(vaultId: string, machineId: string) {
    this.entry = openKeyringEntry(KEYRING_SERVICE, `${vaultId}:${machineId}`);
  }

  /**
   * Reads the root key.
   * @returns The root key, or null when the keyring holds none.
   */
  async load(): Promise<Uint8Array<ArrayBuffer> | null> {
    const text = await this.entry.get();
    if (text === null) return null;
    return checkRootKey(Buffer.from(text, "base64"), "the OS keyring");
  }

  /**
   * Stores the root key.
   * @param rootKey The 32-byte root key.
   */
  async save(rootKey: Uint8Array): Promise<void> {
    await this.entry.set(Buffer.from(checkRootKey(rootKey, "memory")).toString("base64"));
  }

  /**
   * Removes the entry.
   * @returns Whether there was one.
   */
  clear(): Promise<boolean> {
    return this.entry.delete();
  }
}
