/**
 * Where an unlocked machine keeps its vault's 32-byte root key between runs
 * (C3): the OS keyring, a private file under the home (explicit opt-in), or
 * nowhere (the password is needed at every start). What each protects is in
 * docs/security.md "Keys on the machine".
 */
import type { KeyStoreKind } from "../home/config.ts";

/** Length of a root key, bytes. */
export const ROOT_KEY_BYTES = 32;

/** A key store that holds at most one root key: this machine's. */
export interface KeyStore {
  /** Which store this is. */
  readonly kind: KeyStoreKind;
  /**
   * Reads the stored root key.
   * @returns The root key, or null when none is stored (locked).
   */
  load(): Promise<Uint8Array<ArrayBuffer> | null>;
  /**
   * Stores the root key, replacing any earlier one.
   * @param rootKey The 32-byte root key.
   */
  save(rootKey: Uint8Array): Promise<void>;
  /**
   * Removes the stored root key.
   * @returns Whether one was stored.
   */
  clear(): Promise<boolean>;
}

/** A key store that cannot be used as it is (loose file mode, damaged entry…). */
export class KeyStoreError extends Error {
  override name = "KeyStoreError";
}

/**
 * Checks a loaded root key's length.
 * @param bytes What a store returned.
 * @param where The store, for the message.
 * @returns The root key.
 * @throws KeyStoreError when it is not 32 bytes.
 */
export function checkRootKey(bytes: Uint8Array, where: string): Uint8Array<ArrayBuffer> {
  if (bytes.length !== ROOT_KEY_BYTES) throw new KeyStoreError(`The key kept in ${where} is damaged: run 'syncagent unlock' again`);
  return new Uint8Array(bytes);
}
