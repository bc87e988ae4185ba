/**
 * `syncagent open-url`, `register-protocol` and `unregister-protocol` (W6,
 * D1) on a real agent's home and folder: a link opens its file with the
 * opener (a real program), a file that could run is only shown, and a bad
 * link exits 4 with the reason.
 */
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rootCommand } from "../../../cmd/root.ts";
import { writeAgentConfig } from "../../../lib/agent/home/config.ts";
import { homePaths } from "../../../lib/agent/home/paths.ts";
import { nodeLink, pathLink } from "../../../lib/agent/links/syncfile-url.ts";
import { openStateDb } from "../../../lib/agent/state/db.ts";
import { runCli } from "../../../lib/cli/run.ts";
import { str } from "../../../lib/db/row.ts";
import { twoAgentsPerTest, type TestAgent } from "../helpers/engines.ts";

async function cli(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(rootCommand, argv, { env, out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

async function nodeIdOf(agent: TestAgent, name: string): Promise<string> {
  const db = await openStateDb(homePaths(agent.home).stateDb);
  try {
    return str((await db.execute({ sql: "SELECT node_id FROM synced_nodes WHERE name = ?", args: [name] })).rows[0]!.node_id);
  } finally {
    db.close();
  }
}

describe("syncagent open-url (W6, D1)", () => {
  const pair = twoAgentsPerTest();

  it("opens the linked file with the opener, shows a runnable one in its folder, prints with --print", async () => {
    const { a } = pair;
    await writeAgentConfig(homePaths(a.home).config, a.config);
    await writeFile(join(a.root, "notes.md"), "# notes");
    await writeFile(join(a.root, "install.sh"), "echo hi");
    await chmod(join(a.root, "install.sh"), 0o755);
    await a.sync();
    const record = join(a.home, "opened.txt");
    const opener = join(a.home, "opener.sh");
    await writeFile(opener, `#!/bin/sh\nprintf '%s' "$1" > '${record}'\n`);
    await chmod(opener, 0o755);
    const env = { SYNCAGENT_OPENER: opener };
    const opened = await cli(["open-url", "--home", a.home, nodeLink(a.config.vaultId, await nodeIdOf(a, "notes.md"))], env);
    expect(opened).toMatchObject({ code: 0, err: "" });
    expect(await readFile(record, "utf8")).toBe(join(a.root, "notes.md"));
    const runnable = await cli(["open-url", "--home", a.home, nodeLink(a.config.vaultId, await nodeIdOf(a, "install.sh"))], env);
    expect(runnable.code).toBe(0);
    expect(runnable.err).toContain("install.sh could run a program when opened: showing it in its folder instead");
    const printed = await cli(["open-url", "--home", a.home, "--print", pathLink(a.config.vaultId, ["notes.md"])], env);
    expect(printed).toEqual({ code: 0, out: `${join(a.root, "notes.md")}\n`, err: "" });
  });

  it("exits 4 with the reason for a link it cannot follow, 2 without one", async () => {
    const { a } = pair;
    await writeAgentConfig(homePaths(a.home).config, a.config);
    const bad = await cli(["open-url", "--home", a.home, `syncfile://${a.config.vaultId}/path/../../etc/passwd`], {});
    expect(bad.code).toBe(4);
    expect(bad.err).toContain("Not a valid syncfile:// link");
    const other = await cli(["open-url", "--home", a.home, nodeLink("f".repeat(32), "e".repeat(32))], {});
    expect(other.code).toBe(4);
    expect(other.err).toContain("another vault");
    expect((await cli(["open-url", "--home", a.home], {})).code).toBe(2);
  });

  it("registers and unregisters this program as the handler, in the user's XDG folders", async () => {
    const { a } = pair;
    const env = { XDG_DATA_HOME: join(a.home, "data"), XDG_CONFIG_HOME: join(a.home, "config") };
    const registered = await cli(["register-protocol", "--home", a.home], env);
    expect(registered.code).toBe(0);
    expect(registered.out).toContain("syncfile:// links now open with this agent");
    const entry = await readFile(join(env.XDG_DATA_HOME, "applications", "syncagent-syncfile.desktop"), "utf8");
    expect(entry).toMatch(/Exec=.* open-url --home .*home %u/);
    const removed = await cli(["unregister-protocol", "--home", a.home], env);
    expect(removed.code).toBe(0);
    expect(await readFile(join(env.XDG_CONFIG_HOME, "mimeapps.list"), "utf8")).not.toContain("syncfile");
  });
});
