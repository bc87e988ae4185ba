// A rolled-back file version served as new (C6): after B saw version 2,
// a hop between B and the server replays version 1's change with a new seq.
// B refuses it as an integrity failure, keeps version 2 on disk, and the
// other changes of the same page still sync.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Change, ChangesPage } from "../../../lib/agent/client/files.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { prepareHome, type PreparedHome } from "../helpers/homes.ts";
import { runAgentCli, scratch, type Scratch } from "../keys/cli-harness.ts";
import { textOrNull } from "./disk.ts";
import { startProxy, type TestProxy } from "./proxy.ts";

let server: TestServer;
let proxy: TestProxy;
let dirs: Scratch;
let homeA: PreparedHome;
let homeB: PreparedHome;

beforeAll(async () => {
  server = await startTestServer();
  proxy = await startProxy(server.url);
  dirs = await scratch();
  homeA = await prepareHome(server, dirs, "alpha", true);
  homeB = await prepareHome({ ...server, url: proxy.url }, dirs, "beta", false);
});
afterAll(async () => {
  await proxy.close();
  await dirs.cleanup();
  await server.close();
});

async function syncA(): Promise<void> {
  const run = await runAgentCli(["sync", "--home", homeA.home], { env: homeA.env });
  expect(run.code, run.out + run.err).toBe(0);
}

async function fileChanges(): Promise<Change[]> {
  const res = await server.machineFetch("/api/changes?since=0&limit=5000");
  expect(res.status).toBe(200);
  return ((await res.json()) as ChangesPage).changes.filter((c) => c.type === "FileVersionCommitted");
}

it("refuses version 1 replayed after version 2, keeps version 2, and syncs the rest", async () => {
  await writeFile(join(homeA.folder, "contract.txt"), "version one");
  await syncA();
  const [v1] = await fileChanges();
  expect(v1?.payload.version).toBe(1);
  await writeFile(join(homeA.folder, "contract.txt"), "version two");
  await syncA();
  const first = await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env });
  expect(first.code, first.out + first.err).toBe(0);
  expect(await textOrNull(join(homeB.folder, "contract.txt"))).toBe("version two");

  await writeFile(join(homeA.folder, "letter.txt"), "written later");
  await syncA();
  let replayed = 0;
  proxy.rewrite = {
    match: (path) => path.startsWith("/api/changes"),
    apply: (_path, body) => {
      const page = JSON.parse(body.toString("utf8")) as ChangesPage;
      if (replayed > 0 || page.changes.length === 0) return body;
      replayed++;
      const last = page.changes[page.changes.length - 1]!;
      // The old version's event, offered again as the newest change of the log.
      page.changes.push({ ...v1!, seq: last.seq + 1 });
      page.next = Math.max(page.next, last.seq + 1);
      return Buffer.from(JSON.stringify(page));
    },
  };
  const b = await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env });
  proxy.rewrite = null;
  expect(replayed).toBe(1);
  expect(b.code).toBe(1);
  expect(b.out).toMatch(/refused from the server \(integrity\)/);
  expect(await textOrNull(join(homeB.folder, "contract.txt"))).toBe("version two");
  expect(await textOrNull(join(homeB.folder, "letter.txt"))).toBe("written later");
  expect(await textOrNull(join(homeA.folder, "contract.txt"))).toBe("version two");
});
