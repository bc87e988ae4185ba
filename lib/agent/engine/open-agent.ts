/**
 * Opening the engine of one agent home: config, token, keys (from the key
 * store or the password), the freshest key file from the server, then the
 * engine itself. What `sync`, `agent` and `up` share.
 */
import type { UnlockedVault } from "../../crypto/key-file.ts";
import { NetworkError } from "../client/http.ts";
import { hasKeys, readAgentConfig, AgentConfigError, type AgentConfig } from "../home/config.ts";
import type { HomePaths } from "../home/paths.ts";
import { readMachineToken } from "../home/token.ts";
import { openAgentVault } from "../keys/open-vault.ts";
import { refreshKeyFile } from "../keys/refresh.ts";
import { SyncEngine, type EngineOptions } from "./sync-engine.ts";

/** What opening needs besides the home. */
export interface OpenAgentOptions {
  paths: HomePaths;
  env: Record<string, string | undefined>;
  /** Asks for the password when the key store holds no key (a prompt, stdin). */
  readPassword?: () => Promise<string>;
  /** Warnings for the user (the file key store's). */
  warn?: (text: string) => void;
  /** Engine options to pass on (events, chunk sizes). */
  engine?: Partial<EngineOptions>;
}

/** An opened agent. */
export interface OpenedAgent {
  config: AgentConfig;
  token: string;
  vault: UnlockedVault;
  engine: SyncEngine;
}

/**
 * Opens an agent home's engine.
 * @param options Home, environment, password source.
 * @returns Config, token, keys and engine.
 * @throws AgentConfigError (not registered, no keys yet), VaultLockedError, WrongPasswordError, IntegrityError (a refused key file).
 */
export async function openAgent(options: OpenAgentOptions): Promise<OpenedAgent> {
  let config = await readAgentConfig(options.paths.config);
  if (!hasKeys(config)) {
    throw new AgentConfigError(`This machine has no keys yet: run 'syncagent init --home ${options.paths.root}' (first machine) or 'syncagent unlock --home ${options.paths.root}'`);
  }
  const token = await readMachineToken(options.paths);
  let vault = await openAgentVault({ paths: options.paths, config, env: options.env, ...(options.readPassword ? { readPassword: options.readPassword } : {}), ...(options.warn ? { warn: options.warn } : {}) });
  try {
    const fresh = await refreshKeyFile({ serverUrl: config.serverUrl, token }, options.paths, config, vault);
    vault = fresh.vault;
    config = fresh.config;
  } catch (error) {
    // Offline: start with the key file on disk; the engine retries the server.
    if (!(error instanceof NetworkError)) throw error;
  }
  const engine = await SyncEngine.open({ config, paths: options.paths, token, vault, ...options.engine });
  return { config, token, vault, engine };
}
