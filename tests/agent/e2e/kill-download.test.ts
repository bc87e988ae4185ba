// An agent killed with SIGKILL in the middle of a download (A6, C6): the
// target is never a partial file (absent, then whole), the temp file the
// crash left is removed at the restart, and the file ends byte-identical.
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { waitFor } from "../../helpers/wait.ts";
import { prepareHome, type PreparedHome } from "../helpers/homes.ts";
import { runAgentCli, scratch, type Scratch } from "../keys/cli-harness.ts";
import { spawnAgent, type AgentProcess } from "./agent-process.ts";
import { sha256Of, sizeOrNull, tempFilesUnder, writeRandomFile } from "./disk.ts";

const SIZE = 128 << 20;
let server: TestServer;
let dirs: Scratch;
let homeA: PreparedHome;
let homeB: PreparedHome;
const running: AgentProcess[] = [];

beforeAll(async () => {
  server = await startTestServer();
  dirs = await scratch();
  homeA = await prepareHome(server, dirs, "alpha", true);
  homeB = await prepareHome(server, dirs, "beta", false);
});
afterAll(async () => {
  for (const p of running) await p.kill();
  await dirs.cleanup();
  await server.close();
});

it("after SIGKILL mid-download, the restarted agent ends with the whole file and no temp file", async () => {
  const digest = await writeRandomFile(join(homeA.folder, "movie.bin"), SIZE);
  const up = await runAgentCli(["sync", "--home", homeA.home], { env: homeA.env });
  expect(up.code, up.out + up.err).toBe(0);

  const target = join(homeB.folder, "movie.bin");
  // Every look at the target sees it absent or whole, never a part.
  const sizesSeen = new Set<number | null>();
  const look = async () => {
    const size = await sizeOrNull(target);
    sizesSeen.add(size);
    return size;
  };
  const first = spawnAgent(homeB);
  running.push(first);
  const temps = await waitFor("a temp file of the download", async () => {
    await look();
    const found = await tempFilesUnder(homeB.folder);
    return found.length > 0 ? found : null;
  }, 45_000);
  await first.kill();
  expect(temps.length).toBeGreaterThan(0);
  expect(await look()).toBeNull();
  // The crash left its temp file; it is never taken for the file.
  expect((await tempFilesUnder(homeB.folder)).length).toBeGreaterThan(0);

  const second = spawnAgent(homeB);
  running.push(second);
  await waitFor("the whole file on B", async () => (await look()) === SIZE, 60_000);
  await second.stop();
  expect([...sizesSeen].filter((s) => s !== null && s !== SIZE)).toEqual([]);
  expect(await sha256Of(target)).toBe(digest);
  expect(await tempFilesUnder(homeB.folder)).toEqual([]);
  const b = await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env });
  expect(b.code, b.out + b.err).toBe(0);
}, 120_000);
