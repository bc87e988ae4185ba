import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";

/** How the unlocked key is kept between runs (C3, docs/security.md). */
export type KeyStoreKind = "keyring" | "file" | "none";

/** What an agent knows about itself, in `config.json` under its home. */
export interface AgentConfig {
  /** Format of this file. */
  version: 1;
  /** Base URL of the server, `http(s)://host:port`. */
  serverUrl: string;
  machineId: string;
  machineName: string;
  accountId: string;
  vaultId: string;
  /** Absolute path of the synced folder. */
  syncFolder: string;
  /** Where the unlocked key lives between runs. */
  keyStore: KeyStoreKind;
  /**
   * Root-key fingerprint of the vault's key file (32 hex), checked at every
   * open. Absent between `register` and the first `init` or unlock.
   */
  fingerprint?: string;
  /** Highest key-file revision seen: an older one is a rollback. Absent with `fingerprint`. */
  keyRevision?: number;
}

const HEX32 = /^[0-9a-f]{32}$/;

const configSchema = z.strictObject({
  version: z.literal(1),
  serverUrl: z.string().regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, "must be an http(s) URL"),
  machineId: z.string().min(1).max(64),
  machineName: z.string().min(1).max(64),
  accountId: z.string().min(1).max(64),
  vaultId: z.string().regex(HEX32),
  syncFolder: z.string().min(1),
  keyStore: z.enum(["keyring", "file", "none"]),
  fingerprint: z.string().regex(HEX32).optional(),
  keyRevision: z.number().int().min(1).optional(),
});

/** A config whose vault keys are known on this machine (after `init` or a first unlock). */
export type KeyedAgentConfig = AgentConfig & { fingerprint: string; keyRevision: number };

/**
 * Whether the machine already knows its vault's keys.
 * @param config The config.
 * @returns True when the fingerprint and revision are recorded.
 */
export function hasKeys(config: AgentConfig): config is KeyedAgentConfig {
  return config.fingerprint !== undefined && config.keyRevision !== undefined;
}

/** The config file is missing, unreadable or malformed. */
export class AgentConfigError extends Error {
  override name = "AgentConfigError";
}

/**
 * Reads and validates `config.json`.
 * @param path The file.
 * @returns The config.
 * @throws AgentConfigError naming the problem (missing: run `syncagent register`).
 */
export async function readAgentConfig(path: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new AgentConfigError(`This agent is not registered yet (no ${path}): run 'syncagent register --server URL --invite CODE'`);
    }
    throw new AgentConfigError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new AgentConfigError(`${path} is not valid JSON`);
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AgentConfigError(`${path} is invalid: ${issue?.path.join(".") || "(root)"} ${issue?.message ?? ""}`.trim());
  }
  const config: AgentConfig = { ...parsed.data };
  if ((config.fingerprint === undefined) !== (config.keyRevision === undefined)) {
    throw new AgentConfigError(`${path} is invalid: fingerprint and keyRevision go together`);
  }
  return config;
}

/**
 * Writes a file atomically (temp file, fsync-free rename) with the given mode,
 * creating its folder with mode 0700.
 * @param path Target.
 * @param data Contents.
 * @param mode File mode. @default 0o600
 */
export async function writePrivateFile(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, data, { mode });
  await chmod(temp, mode);
  await rename(temp, path);
}

/**
 * Validates and writes `config.json` atomically, mode 0600.
 * @param path The file.
 * @param config The config.
 */
export async function writeAgentConfig(path: string, config: AgentConfig): Promise<void> {
  const parsed = configSchema.parse(config);
  await writePrivateFile(path, JSON.stringify(parsed, null, 2) + "\n");
}
