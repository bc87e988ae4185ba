/**
 * The machine's copy of the vault's key file (`<home>/key-file`), as last
 * verified, and the config fields that go with it (fingerprint and highest
 * revision seen). The key file is password-protected; it is kept 0600
 * anyway.
 */
import { readFile } from "node:fs/promises";
import type { UnlockedVault } from "../../crypto/mod.ts";
import { writeAgentConfig, writePrivateFile, type AgentConfig, type KeyedAgentConfig } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";

/**
 * Reads the local key file.
 * @param paths The home's files.
 * @returns Its bytes, or null when the machine has none yet.
 */
export async function readLocalKeyFile(paths: HomePaths): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    return new Uint8Array(await readFile(paths.keyFile));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Keeps a verified key file: writes it, then records its fingerprint and
 * revision in the config (in that order, so a crash between the two leaves
 * a file at least as new as the config says).
 * @param paths The home's files.
 * @param config The current config.
 * @param keyFile The key file, opened and verified by the caller.
 * @param vault The vault as opened from it.
 * @returns The config as written.
 */
export async function keepKeyFile(paths: HomePaths, config: AgentConfig, keyFile: Uint8Array, vault: UnlockedVault): Promise<KeyedAgentConfig> {
  await writePrivateFile(paths.keyFile, keyFile);
  const next: KeyedAgentConfig = { ...config, fingerprint: vault.fingerprint, keyRevision: Math.max(vault.revision, config.keyRevision ?? 0) };
  await writeAgentConfig(paths.config, next);
  return next;
}

/**
 * What the crypto layer must check when opening a key file on this
 * machine: the known fingerprint and highest revision, or a first open.
 * @param config The config.
 * @returns The expectation for `openWith…`.
 */
export function expectationOf(config: AgentConfig): { vaultId: string; minRevision: number; fingerprint: string } | { vaultId: string; firstOpen: true } {
  if (config.fingerprint !== undefined && config.keyRevision !== undefined) {
    return { vaultId: config.vaultId, minRevision: config.keyRevision, fingerprint: config.fingerprint };
  }
  return { vaultId: config.vaultId, firstOpen: true };
}
