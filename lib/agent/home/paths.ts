import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** Default agent home, holding everything one agent keeps (C3, A5). */
export const DEFAULT_HOME = "~/.syncagent";
/** Default sync folder (A2). */
export const DEFAULT_SYNC_FOLDER = "~/SyncAgent";

/** Every file an agent keeps under its home. One home is one agent: several run side by side. */
export interface HomePaths {
  /** The home folder itself (mode 0700). */
  root: string;
  /** `config.json`: server URL, machine and vault ids, sync folder (`AgentConfig`). */
  config: string;
  /** The machine's bearer token (mode 0600). */
  token: string;
  /** The vault's key file as last verified (bytes). */
  keyFile: string;
  /** The local state database (three trees, queue, chunk index…). */
  stateDb: string;
  /** The control socket the `status` command and the tray talk to. */
  controlSocket: string;
  /** Where the unlocked key is kept when the file key store was chosen (mode 0600). */
  keyStoreFile: string;
  /** Agent log file. */
  logFile: string;
}

/**
 * Expands a leading `~` and makes a path absolute.
 * @param path A path as the user wrote it.
 * @param home The user's home folder. @default os.homedir()
 * @returns The absolute path.
 */
export function expandPath(path: string, home = homedir()): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(path);
}

/**
 * The files of an agent home.
 * @param home The home folder (`--home`, `SYNCAGENT_HOME`, default `~/.syncagent`).
 * @param platform The OS. @default process.platform
 * @returns Absolute paths.
 */
export function homePaths(home: string, platform: NodeJS.Platform = process.platform): HomePaths {
  const root = expandPath(home);
  // A Unix socket path is limited to ~104 bytes: a long home gets a named pipe on
  // Windows only; elsewhere the socket sits in the home as documented.
  const controlSocket = platform === "win32" ? `\\\\.\\pipe\\syncagent-${Buffer.from(root).toString("hex").slice(0, 32)}` : join(root, "agent.sock");
  return {
    root,
    config: join(root, "config.json"),
    token: join(root, "machine-token"),
    keyFile: join(root, "key-file"),
    stateDb: join(root, "state.db"),
    controlSocket,
    keyStoreFile: join(root, "unlocked-key"),
    logFile: join(root, "agent.log"),
  };
}
