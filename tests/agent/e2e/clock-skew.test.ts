// Clocks far apart (A8, A16, Q2): the server's clock runs six hours ahead,
// machine A's (under libfaketime) five hours behind, B's is right. The
// agents decide nothing by the clock, so everything still converges: an
// edit crosses both ways, concurrent edits make exactly one conflict copy
// with both contents kept, and a touch that changes only the mtime makes no
// new version and no conflict.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { prepareHome, type PreparedHome } from "../helpers/homes.ts";
import { runAgentCli, scratch, type Scratch } from "../keys/cli-harness.ts";
import { FAKETIME_LIBRARY, REPO_ROOT } from "./agent-process.ts";
import { filesUnder, textOrNull } from "./disk.ts";

const HOUR = 3_600_000;
const faketime = existsSync(FAKETIME_LIBRARY);
const SKEWED = { LD_PRELOAD: FAKETIME_LIBRARY, FAKETIME: "-5h", FAKETIME_DONT_RESET: "1" };

let server: TestServer;
let dirs: Scratch;
let homeA: PreparedHome;
let homeB: PreparedHome;

/** `syncagent sync` for A, in a process whose clock runs five hours behind. */
function syncA(): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "main.ts", "sync", "--home", homeA.home], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...homeA.env, SYNCAGENT_HOME: "", ...SKEWED },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (p: Buffer) => void (out += p.toString("utf8")));
    child.stderr.on("data", (p: Buffer) => void (out += p.toString("utf8")));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code: code ?? -1, out }));
  });
}
const syncB = () => runAgentCli(["sync", "--home", homeB.home], { env: homeB.env });

async function versionCount(): Promise<number> {
  const rs = await server.ctx.db.execute("SELECT COUNT(*) AS n FROM versions");
  return Number(rs.rows[0]?.n);
}

beforeAll(async () => {
  server = await startTestServer();
  dirs = await scratch();
  homeA = await prepareHome(server, dirs, "alpha", true);
  homeB = await prepareHome(server, dirs, "beta", false);
  // After the invitations: the admin's browser session would have expired.
  server.clock.advance(6 * HOUR);
});
afterAll(async () => {
  await dirs.cleanup();
  await server.close();
});

it.skipIf(!faketime && process.env.CI !== "true")("syncs, resolves a conflict and ignores a touch with clocks hours apart", async () => {
  // The skewed process really sees another time.
  const seen = execFileSync(process.execPath, ["-e", "process.stdout.write(String(Date.now()))"], { encoding: "utf8", env: { ...process.env, ...SKEWED } });
  expect(Date.now() - Number(seen)).toBeGreaterThan(4.9 * HOUR);

  await writeFile(join(homeA.folder, "plan.txt"), "first draft");
  await writeFile(join(homeA.folder, "other.txt"), "untouched");
  const first = await syncA();
  expect(first.code, first.out).toBe(0);
  expect((await syncB()).code).toBe(0);
  expect(await textOrNull(join(homeB.folder, "plan.txt"))).toBe("first draft");

  // An edit from B reaches A.
  await writeFile(join(homeB.folder, "plan.txt"), "second draft, from B");
  expect((await syncB()).code).toBe(0);
  expect((await syncA()).code).toBe(0);
  expect(await textOrNull(join(homeA.folder, "plan.txt"))).toBe("second draft, from B");

  // Both edit before syncing: one conflict copy on each side, both contents kept.
  await writeFile(join(homeB.folder, "plan.txt"), "third, from B");
  await writeFile(join(homeA.folder, "plan.txt"), "third, from A");
  expect((await syncB()).code).toBe(0);
  expect((await syncA()).code).toBe(0);
  expect((await syncB()).code).toBe(0);
  const onA = await filesUnder(homeA.folder);
  const onB = await filesUnder(homeB.folder);
  expect(onA).toEqual(onB);
  const copies = [...onA.keys()].filter((p) => p.includes(".conflict-"));
  expect(copies).toHaveLength(1);
  expect(copies[0]).toMatch(/^plan\.conflict-\d{8}-\d{6}-alpha\.txt$/);
  expect(onA.get("plan.txt")).toBe("third, from B");
  expect(onA.get(copies[0]!)).toBe("third, from A");

  // A touch (the mtime only, to a day ago by A's clock) makes no version and no conflict.
  const before = await versionCount();
  const dayAgo = new Date(Date.now() - 29 * HOUR);
  await utimes(join(homeA.folder, "other.txt"), dayAgo, dayAgo);
  expect((await syncA()).code).toBe(0);
  expect((await syncB()).code).toBe(0);
  expect(await versionCount()).toBe(before);
  expect((await readdir(homeB.folder)).filter((n) => n.includes(".conflict-"))).toHaveLength(1);
});
