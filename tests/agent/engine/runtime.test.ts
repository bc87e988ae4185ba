import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentRuntime } from "../../../lib/agent/engine/agent-runtime.ts";
import { callControl } from "../../../lib/agent/control/client.ts";
import { statusCommand } from "../../../cmd/status.ts";
import { runCli } from "../../../lib/cli/run.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { waitFor } from "../../helpers/wait.ts";
import { scratch, type Scratch } from "../keys/cli-harness.ts";
import { prepareHome, type PreparedHome } from "../helpers/homes.ts";

async function contentOf(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return null;
  }
}

describe("the long-running agent: watcher, change feed, commands, status (A3, A13, A14, A19)", () => {
  let server: TestServer;
  let dirs: Scratch;
  let homeA: PreparedHome;
  let homeB: PreparedHome;
  let a: AgentRuntime;
  let b: AgentRuntime;
  beforeAll(async () => {
    server = await startTestServer();
    dirs = await scratch();
    homeA = await prepareHome(server, dirs, "alpha", true);
    homeB = await prepareHome(server, dirs, "beta", false);
    a = await AgentRuntime.start({ paths: homeA.paths, env: homeA.env }, { delayMs: 0, notifications: false });
    b = await AgentRuntime.start({ paths: homeB.paths, env: homeB.env }, { delayMs: 0, notifications: false });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await dirs.cleanup();
    await server.close();
  });

  it("a file saved on A appears on B without anyone asking", async () => {
    await writeFile(join(homeA.folder, "live.txt"), "saved on A");
    await waitFor("live.txt on B", async () => (await contentOf(join(homeB.folder, "live.txt"))) === "saved on A");
    await writeFile(join(homeA.folder, "live.txt"), "edited on A");
    await waitFor("the edit on B", async () => (await contentOf(join(homeB.folder, "live.txt"))) === "edited on A");
    // The passes were reported (A14): started and completed, with no name in them.
    await waitFor("sync_started and sync_completed in the activity", async () => {
      const res = await server.adminFetch("/api/activity?limit=200");
      const body = (await res.json()) as { activity: Array<{ type: string; report: unknown }> };
      const types = new Set(body.activity.map((a) => a.type));
      const text = JSON.stringify(body.activity);
      return types.has("sync_started") && types.has("sync_completed") && !text.includes("live.txt");
    });
  });

  it("the activity over the control socket says what woke each agent and what its passes planned", async () => {
    await writeFile(join(homeA.folder, "woke.txt"), "why");
    await waitFor("woke.txt on B", async () => (await contentOf(join(homeB.folder, "woke.txt"))) === "why");
    const linesOf = async (socket: string) => ((await callControl(socket, "activity")) as Array<{ at: number; line: string }>).map((l) => l.line);
    await waitFor("A's activity names the local change, the upload and its pass", async () => {
      const lines = await linesOf(homeA.paths.controlSocket);
      return lines.some((l) => l.startsWith("watcher: ") && l.includes("woke.txt")) && lines.includes("wake: local change") && lines.some((l) => /^plan \(\w+\): .*upload woke\.txt/.test(l)) && lines.some((l) => /^settled after \d+ passes/.test(l));
    });
    await waitFor("B's activity names the server's change and the download", async () => {
      const lines = await linesOf(homeB.paths.controlSocket);
      return lines.includes("wake: server change") && lines.some((l) => /^plan \(\w+\): .*download woke\.txt/.test(l));
    });
    // `syncagent status --activity` prints them with their time of day.
    let out = "";
    const code = await runCli({ name: "syncagent", summary: "test", subcommands: [statusCommand] }, ["status", "--activity", "--home", homeB.home], { env: {}, out: (t) => void (out += t), err: (t) => void (out += t) });
    expect(code).toBe(0);
    expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}\S/m);
    expect(out).toContain("download woke.txt");
  });

  it("a new folder with files, then edits inside it, reach B (the watcher's paths patch the scan)", async () => {
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(homeA.folder, "fresh/deeper"), { recursive: true });
    await writeFile(join(homeA.folder, "fresh/deeper/note.txt"), "one");
    await waitFor("note.txt on B", async () => (await contentOf(join(homeB.folder, "fresh/deeper/note.txt"))) === "one");
    for (const text of ["two", "three"]) {
      await writeFile(join(homeA.folder, "fresh/deeper/note.txt"), text);
      await waitFor(`"${text}" on B`, async () => (await contentOf(join(homeB.folder, "fresh/deeper/note.txt"))) === text);
    }
  });

  it("a .syncignore saved on A is honoured by B's running agent at once, and its change too (A4)", async () => {
    await writeFile(join(homeA.folder, ".syncignore"), "*.tmp\n");
    await waitFor(".syncignore on B", async () => (await contentOf(join(homeB.folder, ".syncignore"))) === "*.tmp\n");
    await writeFile(join(homeB.folder, "scratch.tmp"), "stays on B");
    await writeFile(join(homeB.folder, "shared.txt"), "goes to A");
    await waitFor("shared.txt on A", async () => (await contentOf(join(homeA.folder, "shared.txt"))) === "goes to A");
    await b.idle();
    expect(await contentOf(join(homeA.folder, "scratch.tmp"))).toBeNull();
    // The rule removed on B (its watcher sees the file): the file it kept out syncs now.
    await writeFile(join(homeB.folder, ".syncignore"), "");
    await waitFor("scratch.tmp on A", async () => (await contentOf(join(homeA.folder, "scratch.tmp"))) === "stays on B");
  });

  it("status over the control socket tells the state, queue and cursor", async () => {
    const status = (await callControl(homeB.paths.controlSocket, "status")) as { state: string; paused: boolean; cursor: number | null; connected: boolean };
    expect(status.paused).toBe(false);
    expect(status.cursor).toBeGreaterThan(0);
    await waitFor("B connected", () => b.status().connected);
    // What the agents measured of the syncs above (E6): A's saves were changes it synced.
    const metrics = a.status().metrics!;
    expect(metrics.passes).toBeGreaterThan(0);
    expect(metrics.files.up).toBeGreaterThan(0);
    expect(metrics.changeLatencyMs?.p50).toBeGreaterThan(0);
    expect(metrics.lagging).toBe(false);
    expect(b.status().metrics!.files.down).toBeGreaterThan(0);
  });

  it("pause and resume by a command from the server, acknowledged (A19, W9)", async () => {
    const machines = (await (await server.adminFetch("/api/machines")).json()) as { machines: Array<{ id: string; name: string }> };
    const beta = machines.machines.find((m) => m.name === "beta")!;
    const issued = await server.adminFetch(`/api/machines/${beta.id}/commands`, { method: "POST", body: JSON.stringify({ kind: "pause" }) });
    expect(issued.status).toBe(201);
    await waitFor("B paused", () => b.status().paused);
    await writeFile(join(homeA.folder, "while-paused.txt"), "wait for it");
    await waitFor("A committed it", () => [...a.engine.synced.values()].some((n) => n.name === "while-paused.txt"));
    // Paused, B starts no pass: its cursor stays behind A's commit and nothing is written.
    expect(b.engine.remote.cursor!).toBeLessThan(a.engine.remote.cursor!);
    expect(b.status().state).toBe("paused");
    expect(await contentOf(join(homeB.folder, "while-paused.txt"))).toBeNull();
    const resumed = await server.adminFetch(`/api/machines/${beta.id}/commands`, { method: "POST", body: JSON.stringify({ kind: "resume" }) });
    expect(resumed.status).toBe(201);
    await waitFor("the file on B after resume", async () => (await contentOf(join(homeB.folder, "while-paused.txt"))) === "wait for it");
    type Commands = { commands: Array<{ kind: string; state: string; ok: boolean }> };
    await waitFor("both commands acknowledged", async () => {
      const list = (await (await server.adminFetch(`/api/machines/${beta.id}/commands`)).json()) as Commands;
      return list.commands.filter((c) => c.state === "acknowledged" && c.ok).length >= 2;
    });
  });

  it("sync_now and pause work over the control socket too", async () => {
    const paused = (await callControl(homeA.paths.controlSocket, "pause")) as { paused: boolean };
    expect(paused.paused).toBe(true);
    const resumed = (await callControl(homeA.paths.controlSocket, "resume")) as { paused: boolean };
    expect(resumed.paused).toBe(false);
  });
});
