/**
 * `register`: enrol this machine with an invitation and set up its home
 * (A1, A2): machine token (0600), `config.json`, and the sync folder. The
 * registration is retry-safe across crashes: its opId is written to the
 * home before the first request and reused until the config is written.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { join, relative, isAbsolute } from "node:path";
import { registerMachine, type RegisterOptions } from "../client/enrol.ts";
import { AgentConfigError, readAgentConfig, writeAgentConfig, writePrivateFile, type AgentConfig } from "./config.ts";
import { checkMachineName } from "./machine-name.ts";
import { expandPath, type HomePaths } from "./paths.ts";
import { writeMachineToken } from "./token.ts";

/** Options of `registerHome`. */
export interface RegisterHomeOptions extends RegisterOptions {
  paths: HomePaths;
  /** Server base URL as the user typed it. */
  serverUrl: string;
  /** Invitation code (`sai_…`). */
  invitation: string;
  /** Machine name. */
  name: string;
  /** Sync folder as the user typed it (`~` expanded). */
  syncFolder: string;
  /** @default process.platform */
  platform?: string;
}

/** The persisted registration attempt: `<home>/register-op.json`. */
interface RegisterOp {
  serverUrl: string;
  /** SHA-256 of the invitation: the code itself is a secret. */
  invitation: string;
  opId: string;
}

/**
 * Normalises a server URL: http(s), no trailing slash, no query.
 * @param url As typed.
 * @returns The base URL.
 * @throws RangeError when it is not an http(s) URL.
 */
export function normalizeServerUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new RangeError(`Not a server URL: '${url}' (use http(s)://host:port)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new RangeError(`Not a server URL: '${url}' (use http(s)://host:port)`);
  if (parsed.username || parsed.password || parsed.search || parsed.hash) throw new RangeError("The server URL must hold no user, password, query or fragment");
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
}

function contains(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * Checks and creates the sync folder (mode 0700 when new).
 * @param home The agent home.
 * @param folder The sync folder, absolute.
 * @throws RangeError when one holds the other, or the path is not a folder.
 */
export async function prepareSyncFolder(home: string, folder: string): Promise<void> {
  if (contains(folder, home)) throw new RangeError(`The sync folder ${folder} holds the agent home ${home}: choose another one`);
  if (contains(home, folder)) throw new RangeError(`The sync folder ${folder} is inside the agent home ${home}: choose another one`);
  const found = await stat(folder).catch(() => null);
  if (found && !found.isDirectory()) throw new RangeError(`The sync folder ${folder} exists and is not a folder`);
  if (!found) await mkdir(folder, { recursive: true, mode: 0o700 });
}

async function operation(path: string, serverUrl: string, invitation: string): Promise<RegisterOp> {
  const digest = createHash("sha256").update(invitation, "utf8").digest("hex");
  try {
    const saved = JSON.parse(await readFile(path, "utf8")) as Partial<RegisterOp>;
    if (saved.serverUrl === serverUrl && saved.invitation === digest && typeof saved.opId === "string" && /^[A-Za-z0-9_-]{16,64}$/.test(saved.opId)) {
      return saved as RegisterOp;
    }
  } catch {
    // none yet, or unreadable: start a new one
  }
  const op: RegisterOp = { serverUrl, invitation: digest, opId: randomBytes(24).toString("base64url") };
  await writePrivateFile(path, JSON.stringify(op) + "\n");
  return op;
}

/**
 * Registers the machine and writes its home.
 * @param options Home, server, invitation, name, sync folder, retry settings.
 * @returns The config as written (no keys yet).
 * @throws AgentConfigError when the home is already registered; RangeError for a bad name, URL or folder;
 *   the server's errors (ServerError `invitation_used`…, NetworkError after the retries).
 */
export async function registerHome(options: RegisterHomeOptions): Promise<AgentConfig> {
  const { paths } = options;
  const existing = await readAgentConfig(paths.config).catch((error: unknown) => {
    if (error instanceof AgentConfigError && error.message.includes("not registered yet")) return null;
    throw error;
  });
  if (existing) {
    throw new AgentConfigError(`This home (${paths.root}) is already registered as '${existing.machineName}' with ${existing.serverUrl}: use another --home`);
  }
  const serverUrl = normalizeServerUrl(options.serverUrl);
  const name = checkMachineName(options.name);
  const syncFolder = expandPath(options.syncFolder);
  await prepareSyncFolder(paths.root, syncFolder);
  await mkdir(paths.root, { recursive: true, mode: 0o700 });

  const opFile = join(paths.root, "register-op.json");
  const op = await operation(opFile, serverUrl, options.invitation);
  const registration = await registerMachine(
    serverUrl,
    { invitation: options.invitation, name, platform: options.platform ?? process.platform, opId: op.opId },
    options,
  );
  await writeMachineToken(paths, registration.token);
  const config: AgentConfig = {
    version: 1,
    serverUrl,
    machineId: registration.machineId,
    machineName: name,
    accountId: registration.accountId,
    vaultId: registration.vaultId,
    syncFolder,
    keyStore: "keyring",
  };
  await writeAgentConfig(paths.config, config);
  await rm(opFile, { force: true });
  return config;
}
