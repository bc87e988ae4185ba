// The "no data lost" check across deletions (A8, Q2): a content deleted
// from every folder is still found among the server's versions by its keyed
// content hash, computed here exactly as an upload does; a content the
// server never got is reported lost.
import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { prepareHome, type PreparedHome } from "../agent/helpers/homes.ts";
import { runAgentCli, scratch, type Scratch } from "../agent/keys/cli-harness.ts";
import { sha } from "./apply.ts";
import type { Snapshot } from "./snapshot.ts";
import { keyedContentHash, keyringOf, noSettledContentLost, serverContentHashes, type SettledContent } from "./history.ts";

let server: TestServer;
let dirs: Scratch;
let home: PreparedHome;

beforeAll(async () => {
  server = await startTestServer();
  dirs = await scratch();
  home = await prepareHome(server, dirs, "alpha", true);
});
afterAll(async () => {
  await dirs.cleanup();
  await server.close();
});

it("finds a deleted file's content among the server's versions, and reports one the server never had", async () => {
  const big = randomBytes(3 << 20); // several chunks
  const small = Buffer.from("a few bytes");
  await writeFile(join(home.folder, "big.bin"), big);
  await writeFile(join(home.folder, "small.txt"), small);
  expect((await runAgentCli(["sync", "--home", home.home], { env: home.env })).code).toBe(0);
  await rm(join(home.folder, "big.bin"));
  await rm(join(home.folder, "small.txt"));
  expect((await runAgentCli(["sync", "--home", home.home], { env: home.env })).code).toBe(0);

  const keyring = await keyringOf(home);
  const kept = await serverContentHashes(server.ctx.db, keyring);
  const never = randomBytes(5000);
  const contents: SettledContent[] = await Promise.all(
    [big, small, never].map(async (bytes, i) => ({ sha: sha(bytes), keyed: await keyedContentHash(keyring, bytes), path: `f${i}`, step: i })),
  );
  expect(kept.has(contents[0]!.keyed)).toBe(true);
  expect(kept.has(contents[1]!.keyed)).toBe(true);
  const lost = noSettledContentLost(contents, [new Map() as Snapshot], kept);
  expect(lost).toHaveLength(1);
  expect(lost[0]).toMatch(/^data lost: the content of f2 at settle step 2/);
  // On a disk it counts as kept.
  expect(noSettledContentLost(contents.slice(2), [new Map([["x", { kind: "file" as const, sha: contents[2]!.sha, size: 0, mtimeMs: 0, ino: 0 }]])], kept)).toEqual([]);
});
