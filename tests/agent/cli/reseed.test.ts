import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { runAgentCli, scratch, type Scratch } from "../keys/cli-harness.ts";
import { prepareHome, type PreparedHome } from "../helpers/homes.ts";

describe("a server restored from an older backup, then re-seeded from a machine (C6)", () => {
  let server: TestServer;
  let dirs: Scratch;
  let a: PreparedHome;
  let b: PreparedHome;
  let dataDir: string;
  beforeAll(async () => {
    dirs = await scratch();
    dataDir = join(dirs.dir, "server-data");
    server = await startTestServer({ dataDir });
    a = await prepareHome(server, dirs, "alpha", true);
    b = await prepareHome(server, dirs, "beta", false);
  });
  afterAll(async () => {
    await server.close();
    await dirs.cleanup();
  });

  async function restart(): Promise<void> {
    const port = server.port;
    await server.close();
    server = await startTestServer({ dataDir, setup: false, config: { port: String(port) } });
  }

  it("the agent says the server is behind, then `reseed` puts this machine's files back", async () => {
    await writeFile(join(a.folder, "doc.txt"), "version one");
    await writeFile(join(a.folder, "kept.txt"), "unchanged");
    expect((await runAgentCli(["sync", "--home", a.home], { env: a.env })).code).toBe(0);
    expect((await runAgentCli(["sync", "--home", b.home], { env: b.env })).code).toBe(0);
    // The backup, taken with the server stopped.
    await restart();
    const backup = join(dirs.dir, "backup");
    await server.close();
    await cp(dataDir, backup, { recursive: true });
    server = await startTestServer({ dataDir, setup: false, config: { port: String(server.port) } });
    await writeFile(join(a.folder, "doc.txt"), "version two, after the backup");
    await writeFile(join(a.folder, "new.txt"), "created after the backup");
    expect((await runAgentCli(["sync", "--home", a.home], { env: a.env })).code).toBe(0);
    expect((await runAgentCli(["sync", "--home", b.home], { env: b.env })).code).toBe(0);
    // Disaster: the server comes back from the old backup.
    const port = server.port;
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
    await cp(backup, dataDir, { recursive: true });
    server = await startTestServer({ dataDir, setup: false, config: { port: String(port) } });

    const refused = await runAgentCli(["sync", "--home", a.home, "--json"], { env: a.env });
    expect(refused.code).toBe(1);
    const said = JSON.parse(refused.out) as { serverBehind: boolean; refused: Array<{ message: string }> };
    expect(said.serverBehind).toBe(true);
    expect(said.refused[0]?.message).toMatch(/rollback/);
    // Nothing this machine holds was deleted or overwritten for the older server.
    expect(await readFile(join(a.folder, "new.txt"), "utf8")).toBe("created after the backup");
    expect(await readFile(join(a.folder, "doc.txt"), "utf8")).toBe("version two, after the backup");

    const noYes = await runAgentCli(["reseed", "--home", a.home], { env: a.env });
    expect(noYes.code).toBe(2);
    const reseed = await runAgentCli(["reseed", "--home", a.home, "--yes"], { env: a.env });
    expect(reseed.code, reseed.err + reseed.out).toBe(0);
    expect((await runAgentCli(["sync", "--home", a.home], { env: a.env })).code).toBe(0);

    // The other machine re-seeds too and ends with the same, newest files.
    const reseedB = await runAgentCli(["reseed", "--home", b.home, "--yes"], { env: b.env });
    expect(reseedB.code, reseedB.err + reseedB.out).toBe(0);
    expect(await readFile(join(b.folder, "doc.txt"), "utf8")).toBe("version two, after the backup");
    expect(await readFile(join(b.folder, "new.txt"), "utf8")).toBe("created after the backup");
    expect(await readFile(join(b.folder, "kept.txt"), "utf8")).toBe("unchanged");
  });
});
