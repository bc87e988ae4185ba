// A 200 MB file from A to B through two whole engines over the real
// server, with the default chunk sizes (A6, Q2): byte-identical (SHA-256).
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { startTestAgent, type TestAgent } from "../helpers/engines.ts";
import { sha256Of, tempFilesUnder, writeRandomFile } from "./disk.ts";

const SIZE = 200 << 20;
let server: TestServer;
let a: TestAgent;
let b: TestAgent;

beforeAll(async () => {
  server = await startTestServer();
  a = await startTestAgent(server, "alpha");
  b = await startTestAgent(server, "beta");
});
afterAll(async () => {
  await a.close();
  await b.close();
  await server.close();
});

it("moves a 200 MB file A → B byte-identical", async () => {
  const digest = await writeRandomFile(join(a.root, "disk-image.bin"), SIZE);
  await a.sync();
  await b.sync();
  expect(await sha256Of(join(b.root, "disk-image.bin"))).toBe(digest);
  expect(await tempFilesUnder(b.root)).toEqual([]);
  expect(b.engine.failing).toEqual([]);
}, 120_000);
