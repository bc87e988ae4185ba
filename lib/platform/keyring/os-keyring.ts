/**
 * The OS keyring (C3): Secret Service on Linux, Keychain on macOS,
 * Credential Manager on Windows, through `@napi-rs/keyring`. One entry is a
 * service and an account holding one text secret. Every failure of the
 * platform store (no session bus, no Secret Service, a locked collection)
 * becomes `KeyringUnavailableError`, whose message never holds the secret.
 * The native binding is loaded on first use, so a machine where it cannot
 * load still runs every command that does not need it.
 */

import type { Entry } from "@napi-rs/keyring";

/** The OS keyring cannot be used here (no session bus, no Secret Service…). */
export class KeyringUnavailableError extends Error {
  override name = "KeyringUnavailableError";
}

/** One entry of the OS keyring. */
export interface KeyringEntry {
  /**
   * Reads the secret.
   * @returns The secret, or null when the entry does not exist.
   */
  get(): Promise<string | null>;
  /**
   * Stores the secret, replacing any earlier one.
   * @param secret The secret.
   */
  set(secret: string): Promise<void>;
  /**
   * Removes the entry.
   * @returns Whether there was one.
   */
  delete(): Promise<boolean>;
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // The binding's messages name the platform failure (AccessDenied, a D-Bus error), never the secret.
  return message.split("\n")[0]?.slice(0, 300) ?? "unknown error";
}

async function guarded<T>(what: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new KeyringUnavailableError(`No OS keyring here (cannot ${what}: ${reason(error)})`);
  }
}

type EntryClass = typeof Entry;
let entryClass: Promise<EntryClass> | undefined;

function loadEntryClass(): Promise<EntryClass> {
  entryClass ??= import("@napi-rs/keyring").then((m) => m.Entry);
  return entryClass;
}

/**
 * Opens an entry of the OS keyring. On Linux it is always the Secret
 * Service (a kernel keyutils session keyring would vanish at logout).
 * @param service Service name, such as `syncagent`.
 * @param account Account name within the service.
 * @returns The entry; its methods reject with KeyringUnavailableError when the keyring cannot be used.
 */
export function openKeyringEntry(service: string, account: string): KeyringEntry {
  const open = async () => {
    const Entry = await loadEntryClass();
    return process.platform === "linux" ? new Entry(service, account, { linux: { store: "secret-service" } }) : new Entry(service, account);
  };
  return {
    get: () => guarded("read the keyring", async () => (await open()).getPassword()),
    set: (secret) => guarded("write to the keyring", async () => (await open()).setPassword(secret)),
    delete: () => guarded("delete from the keyring", async () => (await open()).deletePassword()),
  };
}
