/**
 * Keeping the local key file current: another machine may change the
 * password (a new password slot) or add a key epoch. The served file is
 * opened with the root key already held, so only a genuine newer file of the
 * same vault and root key is kept; an older one is a rollback.
 */
import { constantTimeEqual } from "../../crypto/bytes.ts";
import { IntegrityError, openWithRootKey, type UnlockedVault } from "../../crypto/mod.ts";
import { getKeyFile } from "../client/enrol.ts";
import type { HttpTarget } from "../client/http.ts";
import { hasKeys, type AgentConfig } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { keepKeyFile, readLocalKeyFile } from "./local-key-file.ts";

function refused(error: unknown): never {
  if (error instanceof IntegrityError) throw new IntegrityError(`The server's key file is refused: ${error.message}`);
  throw error;
}

/**
 * Fetches the server's key file and keeps it when it is newer.
 * @param target Server and machine token.
 * @param paths The home's files.
 * @param config The machine's config (fingerprint and highest revision seen).
 * @param vault The vault as opened now.
 * @returns The vault and config to use from now on (the same objects when nothing changed).
 * @throws IntegrityError for an older revision (a rollback), another root key, or an altered file.
 */
export async function refreshKeyFile(
  target: HttpTarget,
  paths: HomePaths,
  config: AgentConfig,
  vault: UnlockedVault,
): Promise<{ vault: UnlockedVault; config: AgentConfig }> {
  if (!hasKeys(config)) throw new TypeError("refreshKeyFile needs a config with the vault's fingerprint and revision");
  const served = await getKeyFile(target);
  // No key file on the server (restored from an old backup?): the local copy stays authoritative.
  if (!served) return { vault, config };
  const local = await readLocalKeyFile(paths);
  if (local && local.length === served.blob.length && constantTimeEqual(local, served.blob)) return { vault, config };
  const expect = { vaultId: config.vaultId, minRevision: config.keyRevision, fingerprint: config.fingerprint };
  const next = await openWithRootKey(served.blob, vault.rootKey, expect).catch(refused);
  if (next.revision === config.keyRevision && local) {
    throw new IntegrityError(`The server's key file is refused: it differs from this machine's copy but claims the same revision ${next.revision}`);
  }
  return { vault: next, config: await keepKeyFile(paths, config, served.blob, next) };
}
