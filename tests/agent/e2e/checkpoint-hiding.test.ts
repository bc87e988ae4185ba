// A server that hides a whole file or a deletion from a fresh machine (C6,
// Q1): the fresh machine has no history of its own, so only the checkpoint
// another machine published shows it. `sync` exits 1 naming an integrity
// failure, nothing of the contradicted node is written, the rest syncs, and
// the fresh machine publishes no checkpoint of the tree it was shown.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { prepareHome, type PreparedHome } from "../helpers/homes.ts";
import { runAgentCli, scratch, type Scratch } from "../keys/cli-harness.ts";
import { tempFilesUnder, textOrNull } from "./disk.ts";

let server: TestServer;
let dirs: Scratch;
let homeA: PreparedHome;

beforeEach(async () => {
  server = await startTestServer();
  dirs = await scratch();
  homeA = await prepareHome(server, dirs, "alpha", true);
});
afterEach(async () => {
  await dirs.cleanup();
  await server.close();
});

const sync = (home: PreparedHome) => runAgentCli(["sync", "--home", home.home], { env: home.env });

async function published(): Promise<number[]> {
  const rs = await server.ctx.db.execute("SELECT number FROM checkpoints ORDER BY machine_id");
  return rs.rows.map((r) => Number(r.number));
}

/** The node of the newest version committed. */
async function lastCommitted(): Promise<string> {
  const rs = await server.ctx.db.execute("SELECT node_id FROM versions ORDER BY seq DESC LIMIT 1");
  return rs.rows[0]?.node_id as string;
}

it("a fresh machine finds a file the server hides, and still syncs the rest", async () => {
  await mkdir(join(homeA.folder, "docs"));
  await writeFile(join(homeA.folder, "docs", "a.txt"), "alpha");
  await writeFile(join(homeA.folder, "b.txt"), "bravo");
  expect((await sync(homeA)).code).toBe(0);
  const homeB = await prepareHome(server, dirs, "beta", false);
  expect((await sync(homeB)).code).toBe(0);
  // Both published, and the honest server's tree passes B's check.
  expect(await published()).toEqual([1, 1]);

  await writeFile(join(homeA.folder, "secret-plan.txt"), "the one the server hides");
  expect((await sync(homeA)).code).toBe(0);
  const hidden = await lastCommitted();
  await server.ctx.db.execute({ sql: "DELETE FROM tree WHERE node_id = ?", args: [hidden] });

  const homeC = await prepareHome(server, dirs, "gamma", false);
  const c = await sync(homeC);
  expect(c.code).toBe(1);
  expect(c.out).toMatch(/Integrity: the server's tree differs from what machine [0-9a-f]{12} verified: 1 node\(s\) \(1 missing\)/);
  expect(c.out).not.toMatch(/secret-plan/);
  expect(await textOrNull(join(homeC.folder, "docs", "a.txt"))).toBe("alpha");
  expect(await textOrNull(join(homeC.folder, "b.txt"))).toBe("bravo");
  expect(await tempFilesUnder(homeC.folder)).toEqual([]);
  // C vouches for nothing while the check fails.
  expect((await published()).length).toBe(2);
  expect((await sync(homeC)).code).toBe(1);
});

it("a fresh machine finds a deletion the server hides, and writes nothing of that file", async () => {
  await writeFile(join(homeA.folder, "keep.txt"), "kept");
  await writeFile(join(homeA.folder, "gone.txt"), "deleted on purpose");
  expect((await sync(homeA)).code).toBe(0);
  await rm(join(homeA.folder, "gone.txt"));
  expect((await sync(homeA)).code).toBe(0);
  const gone = await lastCommitted();
  // Serve the last live version again as the head: the deletion is hidden.
  await server.ctx.db.execute({
    sql: `UPDATE tree SET kind = v.kind, head_version = v.version, manifest = v.manifest, parent_id = v.parent_id, enc_name = v.enc_name, size = v.size
          FROM versions v WHERE v.vault_id = tree.vault_id AND v.node_id = tree.node_id AND v.version = tree.head_version - 1 AND tree.node_id = ?`,
    args: [gone],
  });

  const homeB = await prepareHome(server, dirs, "beta", false);
  const b = await sync(homeB);
  expect(b.code).toBe(1);
  expect(b.out).toMatch(/Integrity: .*1 at an older version/);
  expect(await textOrNull(join(homeB.folder, "gone.txt"))).toBeNull();
  expect(await textOrNull(join(homeB.folder, "keep.txt"))).toBe("kept");
  expect(await tempFilesUnder(homeB.folder)).toEqual([]);
});
