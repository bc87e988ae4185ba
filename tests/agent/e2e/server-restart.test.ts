// The server stopped and started again on the same data and port while
// both agents run (C6, A13): while it is down `syncagent status` says the
// agent is not connected; an edit made meanwhile on A reaches B once the
// server is back, with no one asking.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AgentRuntime } from "../../../lib/agent/engine/agent-runtime.ts";
import { runCli } from "../../../lib/cli/run.ts";
import { statusCommand } from "../../../cmd/status.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { waitFor } from "../../helpers/wait.ts";
import { prepareHome, type PreparedHome } from "../helpers/homes.ts";
import { scratch, type Scratch } from "../keys/cli-harness.ts";
import { textOrNull } from "./disk.ts";

let dataDir: string;
let server: TestServer;
let dirs: Scratch;
let homeA: PreparedHome;
let homeB: PreparedHome;
let a: AgentRuntime;
let b: AgentRuntime;

async function status(home: PreparedHome): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await runCli({ name: "syncagent", summary: "test", subcommands: [statusCommand] }, ["status", "--home", home.home], {
    env: {},
    out: (t) => void (out += t),
    err: (t) => void (out += t),
  });
  return { code, out };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "syncagent-restart-"));
  server = await startTestServer({ dataDir });
  dirs = await scratch();
  homeA = await prepareHome(server, dirs, "alpha", true);
  homeB = await prepareHome(server, dirs, "beta", false);
  a = await AgentRuntime.start({ paths: homeA.paths, env: homeA.env }, { delayMs: 0, notifications: false });
  b = await AgentRuntime.start({ paths: homeB.paths, env: homeB.env }, { delayMs: 0, notifications: false });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await server.close();
  await dirs.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

it("edits made on A while the server is down reach B after it is back; status says not connected meanwhile", async () => {
  await writeFile(join(homeA.folder, "notes.txt"), "before the outage");
  await waitFor("notes.txt on B", async () => (await textOrNull(join(homeB.folder, "notes.txt"))) === "before the outage", 20_000);
  await waitFor("both connected", () => a.status().connected && b.status().connected, 20_000);
  expect((await status(homeB)).out).toMatch(/Server:\s+connected/);

  const port = server.port;
  await server.close();
  await waitFor("both see the server gone", () => !a.status().connected && !b.status().connected, 20_000);
  await writeFile(join(homeA.folder, "notes.txt"), "edited during the outage");
  await writeFile(join(homeA.folder, "new.txt"), "made during the outage");
  // A tries to sync its edit and finds the server unreachable.
  await waitFor("A offline", () => a.status().state === "offline" || a.status().lastError !== null, 20_000);
  const down = await status(homeA);
  expect(down.code).toBe(0);
  expect(down.out).toMatch(/Server:\s+not connected/);
  expect((await status(homeB)).out).toMatch(/Server:\s+not connected/);
  expect(await textOrNull(join(homeB.folder, "notes.txt"))).toBe("before the outage");

  server = await startTestServer({ dataDir, setup: false, config: { port: String(port) } });
  expect(server.port).toBe(port);
  await waitFor("the edit on B", async () => (await textOrNull(join(homeB.folder, "notes.txt"))) === "edited during the outage", 45_000);
  await waitFor("the new file on B", async () => (await textOrNull(join(homeB.folder, "new.txt"))) === "made during the outage", 20_000);
  await waitFor("both connected again", () => a.status().connected && b.status().connected, 45_000);
  expect((await status(homeB)).out).toMatch(/Server:\s+connected/);
}, 120_000);
