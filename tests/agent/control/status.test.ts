// `syncagent status`: the readable summary (pure), and the command run as a
// subprocess against a control socket in a temp home, or with no agent.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { startControlServer } from "../../../lib/agent/control/server.ts";
import { formatStatus, type AgentStatus } from "../../../lib/agent/control/status.ts";
import { homePaths } from "../../../lib/agent/home/paths.ts";

const run = promisify(execFile);
const tsx = join(process.cwd(), "node_modules", ".bin", "tsx");
const main = join(process.cwd(), "main.ts");
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

const busy: AgentStatus = {
  state: "syncing",
  paused: false,
  connected: true,
  queue: 12,
  transfers: [
    { path: "photos/cat.jpg", direction: "upload", bytesDone: 512 * 1024, bytesTotal: 2 * 1024 * 1024 },
    { path: "notes.txt", direction: "download", bytesDone: 0, bytesTotal: 0 },
  ],
  lastError: "Cannot reach the server at https://sync.example.org/api/changes: no answer in time",
  conflicts: 2,
  deadLetters: [{ path: "big.iso", error: "Disk full", attempts: 5 }],
  cursor: 41,
  lastSyncAt: NOW - 90_000,
};

const quiet: AgentStatus = { ...busy, state: "paused", paused: true, connected: false, queue: 1, transfers: [], lastError: null, conflicts: 0, deadLetters: [], cursor: null, lastSyncAt: null };

describe("formatStatus", () => {
  it("shows the measurements and flags a lag past its threshold (E6)", () => {
    const metrics = { passes: 3, lastPassMs: 180, passMs: { p50: 150, p95: 180 }, changeLatencyMs: { p50: 420, p95: 900 }, files: { up: 5, down: 2 }, failures: 1, lagMs: 0, lagging: false, lagThresholdMs: 60_000, bytesPerSecond: 0 };
    const calm = formatStatus({ ...busy, metrics }, NOW);
    expect(calm).toContain("Activity:    3 passes, last 180 ms; a change synced in 420 ms (p95 900 ms)\n");
    expect(calm).toContain("Synced:      5 up, 2 down, 1 failed attempt\n");
    expect(calm).not.toContain("Lagging");
    const behind = formatStatus({ ...busy, metrics: { ...metrics, passes: 1, lastPassMs: null, changeLatencyMs: null, lagMs: 125_000, lagging: true, bytesPerSecond: 3 * 1024 * 1024 } }, NOW);
    expect(behind).toContain("Lagging:     the oldest change has waited 2 min (more than 1 min)\n");
    expect(behind).toContain("Activity:    1 pass\n");
    expect(behind).toContain("3.0 MiB/s now");
  });

  it("shows state, server, queue, transfers with percent, errors, conflicts and failures", () => {
    const text = formatStatus(busy, NOW);
    expect(text).toContain("State:       syncing\n");
    expect(text).toContain("Server:      connected\n");
    expect(text).toContain("Queue:       12 changes waiting\n");
    expect(text).toContain("Last sync:   2 min ago\n");
    expect(text).toContain("Conflicts:   2\n");
    expect(text).toContain("Last error:  Cannot reach the server");
    expect(text).toContain("↑ photos/cat.jpg  25% of 2.0 MiB");
    expect(text).toContain("↓ notes.txt  100% of 0 B");
    expect(text).toContain("Failed:      1 change given up after retries\n  big.iso: Disk full (5 attempts)");
    expect(text.endsWith("\n")).toBe(true);
  });

  it("shows a paused, offline agent that never synced", () => {
    const text = formatStatus(quiet, NOW);
    expect(text).toContain("State:       paused\n");
    expect(text).toContain("Server:      not connected\n");
    expect(text).toContain("Queue:       1 change waiting\n");
    expect(text).toContain("Last sync:   never\n");
    expect(text).not.toMatch(/Last error|Transfers|Failed/);
    expect(formatStatus({ ...quiet, state: "error" }, NOW)).toContain("State:       error (paused)\n");
  });
});

async function syncagent(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [main, ...args], { env: { ...process.env, NO_COLOR: "1", SYNCAGENT_HOME: "" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("syncagent status", () => {
  let home: string;
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("prints the running agent's status, readable or as JSON", async () => {
    home = await mkdtemp(join(tmpdir(), "syncagent-status-"));
    const server = await startControlServer(homePaths(home).controlSocket, { status: () => busy });
    try {
      const text = await syncagent("status", "--home", home);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain("State:       syncing");
      expect(text.stdout).toContain("photos/cat.jpg  25%");
      const json = await syncagent("status", "--json", "--home", home);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual(busy);
    } finally {
      await server.close();
    }
  });

  it("exits 3 with a clear message when no agent runs with the home", async () => {
    home = await mkdtemp(join(tmpdir(), "syncagent-status-"));
    const result = await syncagent("status", "--home", home);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`syncagent status: No agent is running with home ${home}\n`);
    expect(result.stdout).toBe("");
  });
});
