import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { invite, runAgentCli, scratch, type Scratch } from "../keys/cli-harness.ts";

const PASSWORD = "a long enough master password";

describe("init → register → sync between two machines with the CLI only (A1, A9, C4, Q2)", () => {
  let server: TestServer;
  let dirs: Scratch;
  beforeAll(async () => {
    server = await startTestServer();
    dirs = await scratch();
  });
  afterAll(async () => {
    await dirs.cleanup();
    await server.close();
  });

  it("a second machine with only the invitation and the password gets the first machine's files", async () => {
    const homeA = dirs.home("a");
    const folderA = dirs.folder("a");
    const init = await runAgentCli(
      ["init", "--home", homeA, "--server", server.url, "--invite", await invite(server), "--sync-folder", folderA, "--password-stdin", "--key-store", "none"],
      { stdin: [PASSWORD] },
    );
    expect(init.code, init.err).toBe(0);
    await writeFile(join(folderA, "hello.txt"), "from the first machine");
    const syncA = await runAgentCli(["sync", "--home", homeA, "--json"], { env: { SYNCAGENT_PASSWORD: PASSWORD } });
    expect(syncA.code, syncA.err + syncA.out).toBe(0);
    const summaryA = JSON.parse(syncA.out) as { ok: boolean; uploaded: number };
    expect(summaryA).toMatchObject({ ok: true, uploaded: 1 });

    const homeB = dirs.home("b");
    const folderB = dirs.folder("b");
    const reg = await runAgentCli(["register", "--home", homeB, "--server", server.url, "--invite", await invite(server), "--sync-folder", folderB, "--name", "second", "--key-store", "none"], {
      env: { SYNCAGENT_PASSWORD: PASSWORD },
    });
    expect(reg.code, reg.err + reg.out).toBe(0);
    const syncB = await runAgentCli(["sync", "--home", homeB], { env: { SYNCAGENT_PASSWORD: PASSWORD } });
    expect(syncB.code, syncB.err + syncB.out).toBe(0);
    expect(syncB.out).toMatch(/^In sync: 0 sent, 1 received/);
    expect(await readFile(join(folderB, "hello.txt"), "utf8")).toBe("from the first machine");
  });

  it("a wrong password stops sync with a clear message and touches nothing", async () => {
    const home = dirs.home("a");
    const run = await runAgentCli(["sync", "--home", home], { env: { SYNCAGENT_PASSWORD: "not the password at all" } });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/password/i);
  });

  it("an unregistered home says what to run", async () => {
    const run = await runAgentCli(["sync", "--home", dirs.home("nobody")], { env: {} });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/syncagent register/);
  });
});
