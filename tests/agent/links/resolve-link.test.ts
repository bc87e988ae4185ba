/**
 * Following a link on a real agent's disk (W6, D1): the node form finds the
 * file through the synced tree, also after a rename; the path form is held
 * inside the folder, symbolic links included; another vault, an unknown
 * node and a file not on disk are each said plainly.
 */
import { mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { homePaths } from "../../../lib/agent/home/paths.ts";
import { openStateDb } from "../../../lib/agent/state/db.ts";
import { str } from "../../../lib/db/row.ts";
import { resolveLink, type LinkContext } from "../../../lib/agent/links/resolve-link.ts";
import { LinkError, nodeLink, parseSyncfileUrl, pathLink } from "../../../lib/agent/links/syncfile-url.ts";
import { twoAgentsPerTest } from "../helpers/engines.ts";

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LinkError);
    return (error as LinkError).code;
  }
  return "resolved";
}

/** The node id the agent's synced tree gives a name (what the dashboard puts in a link). */
async function nodeIdOf(context: LinkContext, name: string): Promise<string> {
  const db = await openStateDb(context.stateDb);
  try {
    const rs = await db.execute({ sql: "SELECT node_id FROM synced_nodes WHERE name = ?", args: [name] });
    return str(rs.rows[0]!.node_id);
  } finally {
    db.close();
  }
}

describe("links followed on this machine (W6, D1)", () => {
  const pair = twoAgentsPerTest();

  it("finds a file by its node on the other machine, and again after it was renamed and moved", async () => {
    const { a, b } = pair;
    await mkdir(join(a.root, "Reports/2026"), { recursive: true });
    await writeFile(join(a.root, "Reports/2026/summary.txt"), "numbers");
    await a.sync();
    await b.sync();
    const contextB: LinkContext = { vaultId: b.config.vaultId, syncFolder: b.root, stateDb: homePaths(b.home).stateDb };
    const nodeId = await nodeIdOf(contextB, "summary.txt");
    const link = parseSyncfileUrl(nodeLink(b.config.vaultId, nodeId));
    expect(await resolveLink(link, contextB)).toMatchObject({ path: join(b.root, "Reports/2026/summary.txt"), segments: ["Reports", "2026", "summary.txt"], kind: "file" });
    await rename(join(a.root, "Reports/2026/summary.txt"), join(a.root, "Reports/final summary.txt"));
    await rename(join(a.root, "Reports"), join(a.root, "Archive"));
    await a.sync();
    await b.sync();
    expect((await resolveLink(link, contextB)).path).toBe(join(b.root, "Archive/final summary.txt"));
    const folderLink = parseSyncfileUrl(pathLink(b.config.vaultId, ["Archive"]));
    expect((await resolveLink(folderLink, contextB)).kind).toBe("dir");
  });

  it("says plainly when a link is for another vault, names no file here, or its file is not on disk", async () => {
    const { a } = pair;
    await writeFile(join(a.root, "kept.txt"), "kept");
    await a.sync();
    const context: LinkContext = { vaultId: a.config.vaultId, syncFolder: a.root, stateDb: homePaths(a.home).stateDb };
    const nodeId = await nodeIdOf(context, "kept.txt");
    expect(await code(resolveLink(parseSyncfileUrl(nodeLink("b".repeat(32), nodeId)), context))).toBe("other_vault");
    expect(await code(resolveLink(parseSyncfileUrl(nodeLink(a.config.vaultId, "c".repeat(32))), context))).toBe("unknown_node");
    expect(await code(resolveLink(parseSyncfileUrl(pathLink(a.config.vaultId, ["nowhere.txt"])), context))).toBe("not_on_disk");
    await rm(join(a.root, "kept.txt")); // deleted here, not synced yet: the base still names it
    expect(await code(resolveLink(parseSyncfileUrl(nodeLink(a.config.vaultId, nodeId)), context))).toBe("not_on_disk");
    const fresh: LinkContext = { ...context, stateDb: join(tmpdir(), `no-state-${process.pid}.db`) };
    expect(await code(resolveLink(parseSyncfileUrl(nodeLink(a.config.vaultId, nodeId)), fresh))).toBe("unknown_node");
  });

  it("refuses a path that a symbolic link leads out of the synced folder", async () => {
    const { a } = pair;
    const outside = join(a.home, "outside");
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, "secret.txt"), "not synced");
    await symlink(outside, join(a.root, "escape"));
    const context: LinkContext = { vaultId: a.config.vaultId, syncFolder: a.root, stateDb: homePaths(a.home).stateDb };
    expect(await code(resolveLink(parseSyncfileUrl(pathLink(a.config.vaultId, ["escape", "secret.txt"])), context))).toBe("outside_folder");
    await mkdir(join(a.root, "inside"));
    await writeFile(join(a.root, "inside/ok.txt"), "ok");
    await symlink(join(a.root, "inside/ok.txt"), join(a.root, "shortcut.txt"));
    expect((await resolveLink(parseSyncfileUrl(pathLink(a.config.vaultId, ["shortcut.txt"])), context)).path).toBe(join(a.root, "inside/ok.txt"));
  });
});
