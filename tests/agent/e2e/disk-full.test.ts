// The receiving machine's disk fills during a download (A6, E4, Q2): the
// file that does not fit fails with a clear "no space" error, nothing
// partial is left in the folder, what fits still arrives, and once space
// returns the next `sync` brings the rest; the running agent keeps trying
// past its retry limit (a full disk is never a dead letter) and fetches it
// on its own once space returns; a one-shot sync tries what a full disk
// failed once more, one file at a time, smallest first, so what fits
// arrives in the same run.
import { execFile } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AgentRuntime } from "../../../lib/agent/engine/agent-runtime.ts";
import { openStateDb } from "../../../lib/agent/state/db.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { waitFor } from "../../helpers/wait.ts";
import { prepareHome, type PreparedHome } from "../helpers/homes.ts";
import { runAgentCli, scratch, type Scratch } from "../keys/cli-harness.ts";
import { sha256Of, sizeOrNull, tempFilesUnder, textOrNull, writeRandomFile } from "./disk.ts";

const run = promisify(execFile);

let server: TestServer;
let dirs: Scratch;
let homeA: PreparedHome;
let homeB: PreparedHome;
let mounted: string | undefined;
let skipReason = "";

beforeAll(async () => {
  server = await startTestServer();
  dirs = await scratch();
  homeA = await prepareHome(server, dirs, "alpha", true);
  homeB = await prepareHome(server, dirs, "beta", false);
  try {
    // B's folder on a 2 MiB disk of its own.
    await run("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", homeB.folder]);
    mounted = homeB.folder;
  } catch (error) {
    skipReason = `cannot mount a small tmpfs (needs root): ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
  }
});
afterAll(async () => {
  if (mounted) await run("umount", [mounted]);
  await dirs.cleanup();
  await server.close();
});

it.sequential("fails the file that does not fit, keeps what is there, leaves nothing partial, and fetches it once space returns", async (ctx) => {
  if (!mounted) {
    // In CI a missing full disk is a failure, never a silent skip.
    if (process.env.CI === "true") throw new Error(`The disk-full test must run in CI: ${skipReason}`);
    return ctx.skip(skipReason);
  }
  // What fits arrives first (downloaded in the same pass as the big file, its tiny temp file could lose the race
  // for the last free bytes and fail with ENOSPC too, which is right but not what this test is about).
  await writeFile(join(homeA.folder, "notes.txt"), "fits easily");
  expect((await runAgentCli(["sync", "--home", homeA.home], { env: homeA.env })).code).toBe(0);
  expect((await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env })).code).toBe(0);
  const bigHash = await writeRandomFile(join(homeA.folder, "video.bin"), 6 << 20);
  expect((await runAgentCli(["sync", "--home", homeA.home], { env: homeA.env })).code).toBe(0);

  const full = await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env });
  expect(full.code).toBe(1);
  expect(full.out).toMatch(/failed: video\.bin: .*(ENOSPC|no space)/i);
  expect(await textOrNull(join(homeB.folder, "notes.txt"))).toBe("fits easily");
  expect(await sizeOrNull(join(homeB.folder, "video.bin"))).toBeNull();
  expect(await tempFilesUnder(homeB.folder)).toEqual([]);

  // Space returns: the next run fetches it.
  await run("mount", ["-o", "remount,size=32m", homeB.folder]);
  const after = await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env });
  expect(after.code, after.out).toBe(0);
  expect(await sha256Of(join(homeB.folder, "video.bin"))).toBe(bigHash);
  expect(await tempFilesUnder(homeB.folder)).toEqual([]);
});

it.sequential("the running agent reports the full disk, never gives the file up, and fetches it once space returns", async (ctx) => {
  if (!mounted) {
    if (process.env.CI === "true") throw new Error(`The disk-full test must run in CI: ${skipReason}`);
    return ctx.skip(skipReason);
  }
  // B's disk shrinks back to 2 MiB (the first test's big file, deleted on A too, no longer on it).
  await rm(join(homeA.folder, "video.bin"));
  expect((await runAgentCli(["sync", "--home", homeA.home], { env: homeA.env })).code).toBe(0);
  expect((await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env })).code).toBe(0);
  expect(await sizeOrNull(join(homeB.folder, "video.bin"))).toBeNull();
  await run("mount", ["-o", "remount,size=2m", homeB.folder]);
  const bigHash = await writeRandomFile(join(homeA.folder, "second.bin"), 5 << 20);
  expect((await runAgentCli(["sync", "--home", homeA.home], { env: homeA.env })).code).toBe(0);
  const b = await AgentRuntime.start({ paths: homeB.paths, env: homeB.env, engine: { maxRetries: 1 } }, { delayMs: 0, notifications: false });
  try {
    await waitFor("the full disk reported", () => b.status().deadLetters.length > 0 || /ENOSPC|no space/i.test(b.status().lastError ?? ""), 30_000);
    expect(b.status().lastError).toMatch(/ENOSPC|no space/i);
    // Past the retry limit it is still not a dead letter.
    await waitFor("two more attempts", async () => (await failureAttempts(homeB, "second.bin")) >= 3, 30_000);
    expect(b.status().deadLetters).toEqual([]);
    expect(await tempFilesUnder(homeB.folder)).toEqual([]);
    await run("mount", ["-o", "remount,size=32m", homeB.folder]);
    await waitFor("second.bin on B", async () => (await sha256Of(join(homeB.folder, "second.bin"))) === bigHash, 90_000);
  } finally {
    await b.close();
  }
});

it.sequential("a one-shot sync brings the files that fit in the same run as the one that does not (E4)", async (ctx) => {
  if (!mounted) {
    if (process.env.CI === "true") throw new Error(`The disk-full test must run in CI: ${skipReason}`);
    return ctx.skip(skipReason);
  }
  await rm(join(homeA.folder, "second.bin"));
  expect((await runAgentCli(["sync", "--home", homeA.home], { env: homeA.env })).code).toBe(0);
  expect((await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env })).code).toBe(0);
  await run("mount", ["-o", "remount,size=2m", homeB.folder]);
  // In one pass, side by side: the big file's temp file may take the last free bytes before the small ones are
  // written, and they fail with ENOSPC too. Once it is gone, the same run tries them again.
  const bigHash = await writeRandomFile(join(homeA.folder, "third.bin"), 6 << 20);
  const small = ["s1.txt", "s2.txt", "s3.txt", "s4.txt"];
  for (const name of small) await writeFile(join(homeA.folder, name), `small ${name}`);
  expect((await runAgentCli(["sync", "--home", homeA.home], { env: homeA.env })).code).toBe(0);

  const full = await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env });
  expect(full.code).toBe(1);
  expect(full.out).toMatch(/failed: third\.bin: .*(ENOSPC|no space)/i);
  expect(full.out).not.toMatch(/failed: s\d\.txt/);
  for (const name of small) expect(await textOrNull(join(homeB.folder, name))).toBe(`small ${name}`);
  expect(await sizeOrNull(join(homeB.folder, "third.bin"))).toBeNull();
  expect(await tempFilesUnder(homeB.folder)).toEqual([]);

  await run("mount", ["-o", "remount,size=32m", homeB.folder]);
  expect((await runAgentCli(["sync", "--home", homeB.home], { env: homeB.env })).code).toBe(0);
  expect(await sha256Of(join(homeB.folder, "third.bin"))).toBe(bigHash);
});

async function failureAttempts(home: PreparedHome, path: string): Promise<number> {
  const db = await openStateDb(home.paths.stateDb);
  try {
    const rs = await db.execute({ sql: "SELECT attempts FROM failures WHERE path = ?", args: [path] });
    return Number(rs.rows[0]?.attempts ?? 0);
  } finally {
    db.close();
  }
}
