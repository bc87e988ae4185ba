import { readFile, rm, stat } from "node:fs/promises";
import { writePrivateFile } from "../home/config.ts";
import { checkRootKey, KeyStoreError, type KeyStore } from "./key-store.ts";

/**
 * What the `file` key store protects, and what it does not, shown whenever
 * it is chosen and whenever the agent starts with it.
 */
export const FILE_STORE_WARNING =
  "The vault key is kept unencrypted in a file readable only by this user (mode 0600, home 0700): " +
  "it keeps other non-root users out, but not root, not anyone who reads the disk or a backup of it, " +
  "and not a program running as this user. Use 'syncagent lock' to remove it.";

/**
 * The `file` key store: the raw root key in `<home>/unlocked-key`, mode
 * 0600 (explicit opt-in only, never a silent fallback). A file whose mode is
 * looser than 0600 is refused, not read.
 */
export class FileKeyStore implements KeyStore {
  readonly kind = "file" as const;

  /**
   * @param path The key file of the store (`HomePaths.keyStoreFile`).
   */
  constructor(private readonly path: string) {}

  /**
   * Reads the root key.
   * @returns The root key, or null when the file does not exist.
   * @throws KeyStoreError when the file's mode is looser than 0600 or it is damaged.
   */
  async load(): Promise<Uint8Array<ArrayBuffer> | null> {
    let mode: number;
    try {
      mode = (await stat(this.path)).mode & 0o777;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    if (process.platform !== "win32" && (mode & 0o077) !== 0) {
      throw new KeyStoreError(
        `Refusing the unlocked key: ${this.path} has mode ${mode.toString(8)}, looser than 600; ` +
          `other users may have read it. Run 'syncagent lock', consider changing the password, then 'syncagent unlock --key-store file'`,
      );
    }
    return checkRootKey(await readFile(this.path), this.path);
  }

  /**
   * Writes the root key, mode 0600, atomically.
   * @param rootKey The 32-byte root key.
   */
  async save(rootKey: Uint8Array): Promise<void> {
    await writePrivateFile(this.path, checkRootKey(rootKey, "memory"));
  }

  /**
   * Deletes the file.
   * @returns Whether it existed.
   */
  async clear(): Promise<boolean> {
    try {
      await stat(this.path);
    } catch {
      return false;
    }
    await rm(this.path, { force: true });
    return true;
  }
}
