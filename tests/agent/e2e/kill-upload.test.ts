// An agent killed with SIGKILL in the middle of a large upload resumes
// after a restart at chunk level (A7, C6): the second run sends only what
// the server lacks, the other machine gets the file byte for byte, and no
// temp file is left anywhere.
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { waitFor } from "../../helpers/wait.ts";
import { prepareHome, type PreparedHome } from "../helpers/homes.ts";
import { runAgentCli, scratch, type Scratch } from "../keys/cli-harness.ts";
import { spawnAgent, type AgentProcess } from "./agent-process.ts";
import { sha256Of, tempFilesUnder, writeRandomFile } from "./disk.ts";
import { startProxy, type TestProxy } from "./proxy.ts";
import { chunkRows } from "./server-store.ts";

const SIZE = 128 << 20;
let server: TestServer;
let proxy: TestProxy;
let dirs: Scratch;
let homeA: PreparedHome;
let homeB: PreparedHome;
const running: AgentProcess[] = [];

beforeAll(async () => {
  server = await startTestServer();
  proxy = await startProxy(server.url);
  dirs = await scratch();
  // A talks to the server through the proxy, which counts what A sends.
  homeA = await prepareHome({ ...server, url: proxy.url }, dirs, "alpha", true);
  homeB = await prepareHome(server, dirs, "beta", false);
});
afterAll(async () => {
  for (const p of running) await p.kill();
  await proxy.close();
  await dirs.cleanup();
  await server.close();
});

async function committedFiles(): Promise<number> {
  const rs = await server.ctx.db.execute("SELECT count(*) AS n FROM tree WHERE kind = 'file'");
  return Number(rs.rows[0]!.n);
}

it("resumes a large upload after SIGKILL, sending less than the file the second time", async () => {
  const source = join(homeA.folder, "large.bin");
  const digest = await writeRandomFile(source, SIZE);
  const first = spawnAgent(homeA);
  running.push(first);
  // Kill once the server holds a few of its chunks, long before the end.
  const before = await waitFor("some chunks stored", async () => {
    const rows = await chunkRows(server);
    return rows.length >= 3 ? rows : null;
  }, 45_000);
  await first.kill();
  const stored = await chunkRows(server);
  const storedBytes = stored.reduce((s, r) => s + r.size, 0);
  expect(before.length).toBeGreaterThanOrEqual(3);
  expect(storedBytes).toBeLessThan(SIZE);
  expect(await committedFiles()).toBe(0);

  proxy.sentBytes = 0;
  const second = spawnAgent(homeA);
  running.push(second);
  await waitFor("the file committed after the restart", async () => (await committedFiles()) === 1, 60_000);
  await second.stop();
  const all = await chunkRows(server);
  const allBytes = all.reduce((s, r) => s + r.size, 0);
  expect(allBytes).toBeGreaterThan(SIZE);
  expect(proxy.sentBytes).toBeGreaterThan(0);
  expect(proxy.sentBytes).toBeLessThan(SIZE);
  // What the first run stored is not sent again (a chunk cut off mid-flight and small requests aside).
  expect(proxy.sentBytes).toBeLessThanOrEqual(allBytes - storedBytes + (8 << 20));

  const b = await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env });
  expect(b.code, b.out + b.err).toBe(0);
  expect(await sha256Of(join(homeB.folder, "large.bin"))).toBe(digest);
  expect(await tempFilesUnder(dirs.dir)).toEqual([]);
}, 120_000);
