import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentRuntime } from "../../../lib/agent/engine/agent-runtime.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { waitFor } from "../../helpers/wait.ts";
import { scratch, type Scratch } from "../keys/cli-harness.ts";
import { prepareHome, type PreparedHome } from "../helpers/homes.ts";

async function contentOf(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return null;
  }
}

describe("starting the long-running agent: no pass before the watcher is up (A3)", () => {
  let server: TestServer;
  let dirs: Scratch;
  let homeA: PreparedHome;
  let homeB: PreparedHome;
  const runtimes: AgentRuntime[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    dirs = await scratch();
    homeA = await prepareHome(server, dirs, "alpha", true);
    homeB = await prepareHome(server, dirs, "beta", false);
  });
  afterAll(async () => {
    for (const runtime of runtimes) await runtime.close();
    await dirs.cleanup();
    await server.close();
  });

  it("the first pass starts only once every folder is watched, so the next save of a file it read is seen", async () => {
    // Many folders make the watcher's first crawl long enough for the change
    // feed's hello to arrive in the middle of it.
    for (let i = 0; i < 400; i++) await mkdir(join(homeA.folder, `tree${i % 20}`, `leaf${i}`), { recursive: true });
    await mkdir(join(homeA.folder, "zz-last"), { recursive: true });
    await writeFile(join(homeA.folder, "zz-last", "note.txt"), "first");
    let started = false;
    const passesBeforeStart: string[] = [];
    const a = await AgentRuntime.start(
      {
        paths: homeA.paths,
        env: homeA.env,
        engine: {
          onEvent: (event) => {
            if (event.type === "pass-started" && !started) passesBeforeStart.push(event.type);
          },
        },
      },
      { delayMs: 0, notifications: false, control: false },
    );
    started = true;
    runtimes.push(a);
    expect(passesBeforeStart).toEqual([]);
    const b = await AgentRuntime.start({ paths: homeB.paths, env: homeB.env }, { delayMs: 0, notifications: false, control: false });
    runtimes.push(b);
    await waitFor("the first save on B", async () => (await contentOf(join(homeB.folder, "zz-last", "note.txt"))) === "first", 60_000);
    await writeFile(join(homeA.folder, "zz-last", "note.txt"), "second");
    await waitFor("the next save on B (the watcher saw it)", async () => (await contentOf(join(homeB.folder, "zz-last", "note.txt"))) === "second", 20_000);
  });
});
