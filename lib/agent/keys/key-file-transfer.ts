/**
 * `export-key` and `import-key` (C4): the key file moved by hand, as raw
 * bytes or as base64 text under a header line. The file stays
 * password-protected; an imported one must belong to this machine's vault,
 * open with the password, and match the known fingerprint and revision.
 */
import { Buffer } from "node:buffer";
import { IntegrityError, openWithPassword, readKeyFileHeader, type UnlockedVault } from "../../crypto/mod.ts";
import type { AgentConfig } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { expectationOf, keepKeyFile } from "./local-key-file.ts";

const HEADER = "SyncAgent key file";
const MAGIC = "SAKF";

/**
 * The text form of a key file: a header line naming vault and revision, then base64.
 * @param keyFile The key file bytes.
 * @returns The text, ending with a newline.
 */
export function keyFileText(keyFile: Uint8Array): string {
  const header = readKeyFileHeader(keyFile);
  const base64 = Buffer.from(keyFile).toString("base64").match(/.{1,76}/g)?.join("\n") ?? "";
  return `${HEADER} (password-protected): vault ${header.vaultId}, revision ${header.revision}\n${base64}\n`;
}

/**
 * Reads a key file given as raw bytes or in its text form.
 * @param data The file's contents.
 * @returns The key file bytes.
 * @throws RangeError when it is neither.
 */
export function parseKeyFileInput(data: Uint8Array): Uint8Array<ArrayBuffer> {
  if (Buffer.from(data.subarray(0, 4)).toString("latin1") === MAGIC) return new Uint8Array(data);
  const text = Buffer.from(data).toString("utf8");
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "" && !line.startsWith(HEADER));
  const base64 = lines.join("").replace(/\s/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new RangeError("This is not a key file: neither its bytes nor the text 'export-key' writes");
  const bytes = new Uint8Array(Buffer.from(base64, "base64"));
  if (Buffer.from(bytes.subarray(0, 4)).toString("latin1") !== MAGIC) throw new RangeError("This is not a key file: its base64 text holds something else");
  return bytes;
}

/**
 * Checks and keeps an imported key file.
 * @param paths The home's files.
 * @param config The machine's config.
 * @param keyFile The key file bytes.
 * @param password The master password.
 * @returns The vault and the config as written.
 * @throws IntegrityError for another vault, another root key, an older revision or an altered file; WrongPasswordError.
 */
export async function importKeyFile(paths: HomePaths, config: AgentConfig, keyFile: Uint8Array, password: string): Promise<{ vault: UnlockedVault; config: AgentConfig }> {
  const header = readKeyFileHeader(keyFile);
  if (header.vaultId !== config.vaultId) {
    throw new IntegrityError(`This key file belongs to vault ${header.vaultId}, not to this machine's vault ${config.vaultId}`);
  }
  const vault = await openWithPassword(keyFile, password, expectationOf(config));
  return { vault, config: await keepKeyFile(paths, config, keyFile, vault) };
}
