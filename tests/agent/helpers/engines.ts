/**
 * Test agents over a real server: each with its own home, sync folder and
 * state database, sharing one vault's keys, driven pass by pass.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createVault, type UnlockedVault } from "../../../lib/crypto/mod.ts";
import type { AgentConfig } from "../../../lib/agent/home/config.ts";
import { homePaths } from "../../../lib/agent/home/paths.ts";
import { SyncEngine, type EngineOptions } from "../../../lib/agent/engine/sync-engine.ts";
import type { ExecutorEvent } from "../../../lib/agent/engine/executor.ts";
import { afterEach, beforeEach } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";

/** One test agent. */
export interface TestAgent {
  name: string;
  root: string;
  home: string;
  engine: SyncEngine;
  events: Array<ExecutorEvent | { type: string }>;
  config: AgentConfig;
  token: string;
  /** Passes until settled. */
  sync(): Promise<void>;
  /** Reopens the engine on the same home (a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

let vaultCache: { vaultId: string; vault: UnlockedVault } | undefined;

async function vaultFor(vaultId: string): Promise<UnlockedVault> {
  if (vaultCache?.vaultId === vaultId) return vaultCache.vault;
  const created = await createVault("test agent password", { vaultId });
  vaultCache = { vaultId, vault: created.vault };
  return created.vault;
}

/**
 * Registers a machine on the server and opens an engine for it.
 * @param server The running test server (setup done).
 * @param name Machine name.
 * @param options Engine options to override.
 * @returns The agent.
 */
export async function startTestAgent(server: TestServer, name: string, options: Partial<EngineOptions> = {}): Promise<TestAgent> {
  const machine = await server.registerMachine(name);
  const base = await mkdtemp(join(tmpdir(), `syncagent-agent-${name}-`));
  const root = join(base, "folder");
  const home = join(base, "home");
  await mkdir(root, { recursive: true });
  await mkdir(home, { recursive: true });
  // The registration answer carries the vault id (the helper's type keeps only id and token).
  const vaultId = (machine as unknown as { vaultId: string }).vaultId;
  const vault = await vaultFor(vaultId);
  const config: AgentConfig = {
    version: 1,
    serverUrl: server.url,
    machineId: machine.machineId,
    machineName: name,
    accountId: "test",
    vaultId,
    syncFolder: root,
    keyStore: "none",
    fingerprint: vault.fingerprint,
    keyRevision: vault.revision,
  };
  const events: TestAgent["events"] = [];
  const open = () => SyncEngine.open({ config, paths: homePaths(home), token: machine.token, vault, onEvent: (e) => events.push(e), ...options });
  const agent: TestAgent = {
    name,
    root,
    home,
    engine: await open(),
    events,
    config,
    token: machine.token,
    async sync() {
      const summary = await agent.engine.syncUntilSettled();
      if (summary.passes >= 50) throw new Error(`${name} did not settle`);
    },
    async restart() {
      await agent.engine.close();
      agent.engine = await open();
    },
    async close() {
      await agent.engine.close();
      await rm(base, { recursive: true, force: true });
    },
  };
  return agent;
}

/**
 * Reads a folder tree: relative path → file content (as text) or "<dir>".
 * @param root The folder.
 * @returns The tree, sorted.
 */
export async function readTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, prefix: string) => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${d.name}` : d.name;
      if (d.isDirectory()) {
        out[rel] = "<dir>";
        await walk(join(dir, d.name), rel);
      } else out[rel] = (await readFile(join(dir, d.name))).toString("utf8");
    }
  };
  await walk(root, "");
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Size of a file.
 * @param path The file.
 * @returns Its size in bytes.
 */
export async function sizeOf(path: string): Promise<number> {
  return (await stat(path)).size;
}

/** A fresh server with two agents on it. */
export interface AgentPair {
  server: TestServer;
  /** The machine "alpha". */
  a: TestAgent;
  /** The machine "beta". */
  b: TestAgent;
}

/**
 * Gives every test of the calling `describe` a fresh server and two agents
 * ("alpha" and "beta"), closed after it.
 * @returns The pair, filled in before each test (read it inside the test).
 */
export function twoAgentsPerTest(): AgentPair {
  const pair = {} as AgentPair;
  beforeEach(async () => {
    pair.server = await startTestServer();
    pair.a = await startTestAgent(pair.server, "alpha");
    pair.b = await startTestAgent(pair.server, "beta");
  });
  afterEach(async () => {
    await pair.a.close();
    await pair.b.close();
    await pair.server.close();
  });
  return pair;
}
