// A chunk altered on the server (C6, K2): the receiving machine refuses it —
// nothing is written at the file's path, no temp file is left, `syncagent
// sync` exits 1 naming an integrity failure — and other files still sync.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { prepareHome, type PreparedHome } from "../helpers/homes.ts";
import { runAgentCli, scratch, type Scratch } from "../keys/cli-harness.ts";
import { sizeOrNull, tempFilesUnder, textOrNull, writeRandomFile } from "./disk.ts";
import { chunkRows, corruptChunk } from "./server-store.ts";

let server: TestServer;
let dirs: Scratch;
let homeA: PreparedHome;
let homeB: PreparedHome;

beforeAll(async () => {
  server = await startTestServer();
  dirs = await scratch();
  homeA = await prepareHome(server, dirs, "alpha", true);
  homeB = await prepareHome(server, dirs, "beta", false);
});
afterAll(async () => {
  await dirs.cleanup();
  await server.close();
});

it("refuses a corrupted chunk with an integrity error and keeps syncing the rest", async () => {
  await writeRandomFile(join(homeA.folder, "photo.raw"), 3 << 20);
  expect((await runAgentCli(["sync", "--home", homeA.home], { env: homeA.env })).code).toBe(0);
  const rows = await chunkRows(server);
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) await corruptChunk(server, row);

  await writeFile(join(homeA.folder, "readme.txt"), "this one is intact");
  expect((await runAgentCli(["sync", "--home", homeA.home], { env: homeA.env })).code).toBe(0);

  const b = await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env });
  expect(b.code).toBe(1);
  expect(b.out).toMatch(/photo\.raw/);
  expect(b.out).toMatch(/integrity/i);
  expect(await sizeOrNull(join(homeB.folder, "photo.raw"))).toBeNull();
  expect(await tempFilesUnder(homeB.folder)).toEqual([]);
  expect(await textOrNull(join(homeB.folder, "readme.txt"))).toBe("this one is intact");

  // Still refused on the next run; A's own copy is untouched.
  const again = await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env });
  expect(again.code).toBe(1);
  expect(await sizeOrNull(join(homeB.folder, "photo.raw"))).toBeNull();
  expect(await sizeOrNull(join(homeA.folder, "photo.raw"))).toBe(3 << 20);
});
