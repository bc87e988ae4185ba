/**
 * The machines of a convergence run: one real `syncagent server` process on
 * loopback (killed with SIGKILL and started again on the same data and
 * port), and agents as real processes, each behind its
 * own fault proxy (cut, down), each with its own home; the last agent's clock
 * runs three hours behind (libfaketime). A last home, never
 * running, syncs once at the end to read the server's current tree as a new
 * machine would.
 */
import type { Client } from "@libsql/client";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { callControl } from "../../lib/agent/control/client.ts";
import type { AgentStatus } from "../../lib/agent/control/status.ts";
import { resolveServerConfig } from "../../lib/server/config.ts";
import { openDatabase } from "../../lib/server/db/open.ts";
import { checkConsistency } from "../../lib/server/files/consistency.ts";
import { openLocalChunkStore } from "../../lib/storage/local.ts";
import { startTestServer } from "../helpers/server.ts";
import { spawnServer, type ServerProcess } from "../server/helpers/spawn.ts";
import { formatActivity, type ActivityLine } from "../../lib/agent/progress/activity-log.ts";
import { FAKETIME_LIBRARY, spawnAgent, type AgentProcess } from "../agent/e2e/agent-process.ts";
import { startProxy, type TestProxy } from "../agent/e2e/proxy.ts";
import { prepareHome, type PreparedHome } from "../agent/helpers/homes.ts";
import { runAgentCli, scratch, type Scratch } from "../agent/keys/cli-harness.ts";

/** One agent of the cluster. */
export interface ClusterAgent {
  index: number;
  home: PreparedHome;
  proxy: TestProxy;
  process: AgentProcess | null;
}

/** The running cluster. */
export interface Cluster {
  agents: ClusterAgent[];
  /** A home that has never synced: `freshSync` fills its folder from the server. */
  fresh: PreparedHome;
  /** SIGKILL an agent (a crash) and start it again. */
  crashAgent(index: number): Promise<void>;
  /** Stops every agent cleanly (so their state can be read). */
  stopAgents(): Promise<void>;
  /** The server process killed with SIGKILL (wherever it is: mid-chunk, mid-commit) and started again on the same data and port. */
  crashServer(): Promise<void>;
  /** Runs `fn` on the server's database, opened beside the running server (WAL readers do not block it). */
  withServerDb<T>(fn: (db: Client) => Promise<T>): Promise<T>;
  /** Stops the server cleanly and checks its tables and chunk store (`checkConsistency`); the problems found. */
  checkServer(): Promise<string[]>;
  /** Each agent's status over its control socket (null when it does not answer). */
  statuses(): Promise<Array<AgentStatus | null>>;
  /** Each agent's newest activity lines (null: it did not answer). */
  activity(last: number): Promise<Array<string[] | null>>;
  /** One `syncagent sync` of the fresh home; its exit code. */
  freshSync(): Promise<number>;
  close(): Promise<void>;
}

/** How far the last agent's clock is off. */
export const CLOCK_OFFSET = "-3h";

let faketime: boolean | undefined;

/**
 * Whether libfaketime is installed (CI installs it: scripts/ci/system-packages.sh; in CI its absence is an error).
 * @returns True when `faketime` runs.
 */
export function hasFaketime(): boolean {
  if (faketime === undefined) {
    faketime = existsSync(FAKETIME_LIBRARY);
    if (!faketime && process.env.CI === "true") throw new Error("libfaketime is missing: scripts/ci/system-packages.sh installs it");
  }
  return faketime;
}

/**
 * Starts a server and `count` agents (the first creates the vault's keys).
 * @param count How many agents.
 * @returns The cluster, every agent syncing.
 */
export async function startCluster(count: number): Promise<Cluster> {
  const dataDir = await mkdtemp(join(tmpdir(), "syncagent-convergence-"));
  // Set up (admin, invitations, homes) in process, then hand the data to a `syncagent server` process that can be killed.
  const setup = await startTestServer({ dataDir });
  const port = setup.port;
  const dirs: Scratch = await scratch();
  const agents: ClusterAgent[] = [];
  for (let i = 0; i < count; i++) {
    const proxy = await startProxy(setup.url);
    const home = await prepareHome({ ...setup, url: proxy.url }, dirs, `m${i}`, i === 0);
    agents.push({ index: i, home, proxy, process: null });
  }
  const fresh = await prepareHome(setup, dirs, "fresh", false);
  await setup.close();
  const serverEnv = { SYNCAGENT_DATA_DIR: dataDir, SYNCAGENT_LOG_LEVEL: "warn" };
  const serve = () => spawnServer(["--port", String(port), "--host", "127.0.0.1"], serverEnv);
  let server: ServerProcess | null = await serve();
  const stopServer = async (signal: NodeJS.Signals): Promise<void> => {
    const s = server;
    server = null;
    if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
    s.child.kill(signal);
    await s.exited;
  };
  const start = async (agent: ClusterAgent): Promise<void> => {
    // The last agent's clock runs three hours behind the others' and the server's (Q2: clocks skewed by hours).
    const skewed = agent.index === count - 1 && count > 1 && hasFaketime();
    agent.process = spawnAgent(agent.home, skewed ? { clockOffset: CLOCK_OFFSET } : {});
    await agent.process.ready();
  };
  for (const agent of agents) await start(agent);
  return {
    agents,
    fresh,
    async crashAgent(index) {
      const agent = agents[index]!;
      await agent.process?.kill();
      await start(agent);
    },
    async stopAgents() {
      for (const agent of agents) {
        await agent.process?.stop();
        agent.process = null;
      }
    },
    async crashServer() {
      await stopServer("SIGKILL");
      server = await serve();
    },
    async withServerDb(fn) {
      const db = await openDatabase({ url: resolveServerConfig({ values: { "data-dir": dataDir }, env: {} }).databaseUrl });
      try {
        return await fn(db);
      } finally {
        db.close();
      }
    },
    async checkServer() {
      await stopServer("SIGTERM");
      const config = resolveServerConfig({ values: { "data-dir": dataDir }, env: {} });
      const db = await openDatabase({ url: config.databaseUrl });
      const store = await openLocalChunkStore(join(dataDir, "chunks"));
      try {
        return (await checkConsistency(db, store)).problems;
      } finally {
        db.close();
        await store.close();
      }
    },
    async statuses() {
      return Promise.all(
        agents.map(async (a) => {
          try {
            return (await callControl(a.home.paths.controlSocket, "status")) as AgentStatus;
          } catch {
            return null;
          }
        }),
      );
    },
    async activity(last) {
      return Promise.all(
        agents.map(async (a) => {
          try {
            const lines = (await callControl(a.home.paths.controlSocket, "activity")) as ActivityLine[];
            return formatActivity(lines.slice(-last)).trimEnd().split("\n");
          } catch {
            return null;
          }
        }),
      );
    },
    async freshSync() {
      const run = await runAgentCli(["sync", "--home", fresh.home], { env: fresh.env });
      return run.code;
    },
    async close() {
      for (const agent of agents) {
        await agent.process?.kill();
        await agent.proxy.close();
      }
      await stopServer("SIGKILL");
      await dirs.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
