/**
 * `syncagent agent` as a child process (`node --import tsx main.ts agent`),
 * so a test can kill it with SIGKILL the way a crash or a power cut does.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "../../helpers/wait.ts";
import type { PreparedHome } from "../helpers/homes.ts";

/** The repository root (where main.ts is). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** A running agent process. */
export interface AgentProcess {
  child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  log(): string;
  /** Resolves once it said it is syncing. */
  ready(): Promise<void>;
  /** SIGKILL, and wait for it to be gone. */
  kill(): Promise<void>;
  /** SIGTERM (a clean stop), and wait for it to be gone. */
  stop(): Promise<void>;
}

/** libfaketime (Debian's `faketime` package, installed by scripts/ci/system-packages.sh). */
export const FAKETIME_LIBRARY = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/** Options of {@link spawnAgent}. */
export interface SpawnOptions {
  /** Run under libfaketime with this offset (`-3h`, `+90m`): the agent's clock is that far off. */
  clockOffset?: string;
}

/**
 * Starts `syncagent agent --home H --delay 0` with the home's password in its environment.
 * @param home A prepared home.
 * @param options A clock offset.
 * @returns The process.
 */
export function spawnAgent(home: PreparedHome, options: SpawnOptions = {}): AgentProcess {
  // libfaketime preloaded into the agent itself (not the `faketime` wrapper, which would outlive a SIGKILL of its child).
  const clock = options.clockOffset ? { LD_PRELOAD: FAKETIME_LIBRARY, FAKETIME: options.clockOffset, FAKETIME_DONT_RESET: "1" } : {};
  const child = spawn(process.execPath, ["--import", "tsx", "main.ts", "agent", "--home", home.home, "--delay", "0"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...home.env, SYNCAGENT_HOME: "", ...clock },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (p: Buffer) => void (text += p.toString("utf8")));
  child.stderr?.on("data", (p: Buffer) => void (text += p.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    child,
    log: () => text,
    ready: async () => {
      try {
        await waitFor(`agent ${home.name} started`, () => {
          if (child.exitCode !== null) throw new Error(`agent ${home.name} exited: ${text}`);
          return text.includes("syncagent agent: syncing");
        }, 30_000);
      } catch (error) {
        throw new Error(`${(error as Error).message}; its output: ${text.slice(-2000)}`);
      }
    },
    kill: () => end("SIGKILL"),
    stop: () => end("SIGTERM"),
  };
}
