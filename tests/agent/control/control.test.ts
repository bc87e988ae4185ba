// The control socket on a real Unix socket in a temp home: requests and
// answers, one agent per home, a stale socket replaced, permissions, bounds.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { createConnection, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AgentNotRunningError, callControl, ControlError } from "../../../lib/agent/control/client.ts";
import { MAX_REQUEST_BYTES, startControlServer, type ControlCommand, type ControlServer } from "../../../lib/agent/control/server.ts";
import { waitFor } from "../../helpers/wait.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function home(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "syncagent-control-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return join(dir, "home");
}

async function start(path: string, commands: ControlCommand[] = []): Promise<ControlServer> {
  const server = await startControlServer(path, {
    status: () => ({ state: "idle", queue: 2 }),
    command: (name) => {
      commands.push(name);
      if (name === "resume") return Promise.reject(new Error("Not paused"));
      return Promise.resolve({ done: name });
    },
  });
  cleanups.push(() => server.close());
  return server;
}

/** Sends raw bytes and collects what comes back until the server ends the connection. */
function raw(path: string, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let got = "";
    socket.on("data", (chunk) => (got += chunk.toString()));
    socket.on("error", reject);
    socket.on("close", () => resolve(got));
    socket.write(data);
  });
}

describe("control socket", () => {
  it("answers status and commands, and the agent's errors", async () => {
    const path = join(await home(), "agent.sock");
    const commands: ControlCommand[] = [];
    await start(path, commands);
    expect(await callControl(path, "status")).toEqual({ state: "idle", queue: 2 });
    expect(await callControl(path, "pause")).toEqual({ done: "pause" });
    await expect(callControl(path, "resume")).rejects.toThrow(ControlError);
    await expect(callControl(path, "resume")).rejects.toThrow("Not paused");
    await expect(callControl(path, "format_disk")).rejects.toThrow(/Unknown method: format_disk/);
    expect(commands).toEqual(["pause", "resume", "resume"]);
  });

  it("creates the socket 0600 in a 0700 folder and removes it on close", async () => {
    const dir = await home();
    const path = join(dir, "agent.sock");
    const server = await start(path);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await server.close();
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
    await expect(callControl(path, "status")).rejects.toThrow(AgentNotRunningError);
  });

  it("refuses to start while another agent answers, and replaces a stale socket", async () => {
    const path = join(await home(), "agent.sock");
    await start(path);
    await expect(startControlServer(path, { status: () => null })).rejects.toThrow(/Another agent runs with this home/);
    expect(await callControl(path, "status")).toEqual({ state: "idle", queue: 2 });

    // A socket file nobody listens on: what a crashed agent leaves.
    const stalePath = join(await home(), "agent.sock");
    await mkdir(join(stalePath, ".."), { recursive: true });
    const crashed = spawn(process.execPath, ["-e", `require("node:net").createServer().listen(${JSON.stringify(stalePath)})`], { stdio: "ignore" });
    await waitFor("the other agent's socket", () => stat(stalePath).then(() => true, () => false));
    const exited = new Promise((resolve) => crashed.once("exit", resolve));
    crashed.kill("SIGKILL");
    await exited;
    expect((await stat(stalePath)).isSocket()).toBe(true);
    await start(stalePath);
    expect(await callControl(stalePath, "status")).toEqual({ state: "idle", queue: 2 });
  });

  it("refuses to replace a file that is not a socket", async () => {
    const dir = await home();
    await start(join(dir, "other.sock"));
    const path = join(dir, "agent.sock");
    await writeFile(path, "precious");
    await expect(startControlServer(path, { status: () => null })).rejects.toThrow(/not a socket/);
    expect((await stat(path)).isFile()).toBe(true);
  });

  it("answers several requests on one connection in order, and bad requests clearly", async () => {
    const path = join(await home(), "agent.sock");
    await start(path);
    const socket = createConnection(path);
    cleanups.push(() => Promise.resolve(void socket.destroy()));
    let got = "";
    socket.on("data", (chunk) => (got += chunk.toString()));
    socket.write('{"id":1,"method":"status"}\n{"id":"b","method":"pause"}\nnot json\n[1]\n{"id":4}\n');
    await waitFor("five answers", () => got.split("\n").length > 5);
    const answers = got.trim().split("\n").map((line) => JSON.parse(line) as { id: unknown; result?: unknown; error?: string });
    expect(answers.map((a) => a.id)).toEqual([1, "b", null, null, 4]);
    expect(answers[0]!.result).toEqual({ state: "idle", queue: 2 });
    expect(answers[2]!.error).toMatch(/not JSON/);
    expect(answers[4]!.error).toMatch(/Unknown method/);
  });

  it("cuts a request larger than 64 KiB", async () => {
    const path = join(await home(), "agent.sock");
    await start(path);
    const reply = await raw(path, `{"id":1,"method":"status","pad":"${"x".repeat(MAX_REQUEST_BYTES)}"`);
    expect(JSON.parse(reply.trim())).toMatchObject({ error: expect.stringMatching(/too large/) as unknown });
    expect(await callControl(path, "status")).toEqual({ state: "idle", queue: 2 });
  });

  it("says no agent runs when there is no socket, and times out on a silent one", async () => {
    const dir = await home();
    const missing = join(dir, "agent.sock");
    const error = await callControl(missing, "status").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentNotRunningError);
    expect((error as Error).message).toBe(`No agent is running with home ${dir}`);

    const silentPath = join(await home(), "silent.sock");
    await mkdir(join(silentPath, ".."), { recursive: true });
    const held = new Set<Socket>();
    const silent = createServer((socket) => void held.add(socket));
    await new Promise<void>((resolve) => silent.listen(silentPath, resolve));
    cleanups.push(() => new Promise((resolve) => {
      for (const socket of held) socket.destroy();
      silent.close(() => resolve());
    }));
    await expect(callControl(silentPath, "status", undefined, 200)).rejects.toThrow(/did not answer in 200 ms/);
  });

  it("refuses commands when the agent has no command handler", async () => {
    const path = join(await home(), "agent.sock");
    const server = await startControlServer(path, { status: () => undefined });
    cleanups.push(() => server.close());
    expect(await callControl(path, "status")).toBeNull();
    await expect(callControl(path, "sync_now")).rejects.toThrow(/Not supported/);
    await expect(callControl(path, "activity")).rejects.toThrow(/Not supported by this agent: activity/);
  });

  it("answers activity with the agent's recent lines", async () => {
    const path = join(await home(), "agent.sock");
    const server = await startControlServer(path, { status: () => null, activity: () => [{ at: 1, line: "wake: start" }] });
    cleanups.push(() => server.close());
    expect(await callControl(path, "activity")).toEqual([{ at: 1, line: "wake: start" }]);
  });
});
