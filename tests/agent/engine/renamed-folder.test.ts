/**
 * A folder renamed on this disk while the server changes a file inside it
 * (A7, A8, A11, Q2): the rename is found by its inode and committed, the
 * file arrives at the new place, and no failure is left behind — not even
 * when the folder went away under a download in flight, nor across a restart.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { readTree, startTestAgent, type TestAgent } from "../helpers/engines.ts";

describe("a folder renamed here while the server changes what is inside (A7, A8, A11)", () => {
  let server: TestServer;
  let a: TestAgent;
  let b: TestAgent;
  /** Run once, right before B's next chunk fetch (or the request `hookOn` names). */
  let beforeFetch: (() => Promise<void>) | null = null;
  let hookOn = "/api/chunks/fetch";
  beforeEach(async () => {
    server = await startTestServer();
    a = await startTestAgent(server, "alpha");
    b = await startTestAgent(server, "beta", {
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
        if (url.includes(hookOn) && beforeFetch) {
          const hook = beforeFetch;
          beforeFetch = null;
          await hook();
        }
        return fetch(input, init);
      }),
    });
  });
  afterEach(async () => {
    beforeFetch = null;
    hookOn = "/api/chunks/fetch";
    await a.close();
    await b.close();
    await server.close();
  });

  const expected = { docs: "<dir>", "docs-renamed": "<dir>", "docs-renamed/b.bin": "v2 from alpha", "docs-renamed/new.txt": "new from alpha" };

  it("after a restart, an uncommitted rename is committed and the server's changes land at the new place", async () => {
    await mkdir(join(a.root, "docs/deep"), { recursive: true });
    await writeFile(join(a.root, "docs/deep/b.bin"), "v1");
    await a.sync();
    await b.sync();
    await b.engine.close();
    await rename(join(b.root, "docs/deep"), join(b.root, "docs-renamed"));
    await writeFile(join(a.root, "docs/deep/b.bin"), "v2 from alpha");
    await writeFile(join(a.root, "docs/deep/new.txt"), "new from alpha");
    await a.sync();
    await b.restart();
    await b.sync();
    expect(b.engine.failing).toEqual([]);
    expect(await readTree(b.root)).toEqual(expected);
    await a.sync();
    expect(await readTree(a.root)).toEqual(expected);
  });

  it("a folder renamed under a download in flight leaves no failure, before or after a restart", async () => {
    await mkdir(join(a.root, "docs/deep"), { recursive: true });
    await writeFile(join(a.root, "docs/deep/b.bin"), "v1");
    await a.sync();
    await b.sync();
    await writeFile(join(a.root, "docs/deep/b.bin"), "v2 from alpha");
    await writeFile(join(a.root, "docs/deep/new.txt"), "new from alpha");
    await a.sync();
    // The user renames the folder while B fetches the new content for it.
    beforeFetch = () => rename(join(b.root, "docs/deep"), join(b.root, "docs-renamed"));
    await b.sync();
    expect(beforeFetch).toBeNull();
    expect(b.engine.failing).toEqual([]);
    expect(await readTree(b.root)).toEqual(expected);
    await b.restart();
    await b.sync();
    expect(b.engine.failing).toEqual([]);
    await a.sync();
    expect(await readTree(a.root)).toEqual(expected);
  });
  it("a folder renamed after the plan, before its download starts, leaves no failure", async () => {
    await mkdir(join(a.root, "docs/deep"), { recursive: true });
    await writeFile(join(a.root, "docs/deep/b.bin"), "v1");
    await writeFile(join(b.root, "other.txt"), "mine");
    await a.sync();
    await b.sync();
    await writeFile(join(a.root, "docs/deep/b.bin"), "v2 from alpha");
    await writeFile(join(a.root, "docs/deep/new.txt"), "new from alpha");
    await a.sync();
    // B's pass commits a rename of its own first; the user renames the folder while that commit goes.
    await rename(join(b.root, "other.txt"), join(b.root, "other2.txt"));
    hookOn = "/api/commits";
    beforeFetch = () => rename(join(b.root, "docs/deep"), join(b.root, "docs-renamed"));
    await b.sync();
    expect(beforeFetch).toBeNull();
    expect(b.engine.failing).toEqual([]);
    expect(await readTree(b.root)).toEqual({ ...expected, "other2.txt": "mine" });
  });

  it("a failure left at the old place is settled once its node syncs elsewhere, or once nothing is left to do there", async () => {
    await mkdir(join(a.root, "docs/deep"), { recursive: true });
    await writeFile(join(a.root, "docs/deep/b.bin"), "v1");
    await a.sync();
    await b.sync();
    const file = [...b.engine.synced.values()].find((n) => n.name === "b.bin")!;
    // What an earlier run of B left: a download into the folder before it was renamed (still waiting for its
    // retry), a path with nothing to do any more (retry due), and a dead letter (kept for the user).
    const now = Date.now();
    await b.engine.failures.fail("docs/deep/b.bin", file.nodeId, "ENOENT: no such file or directory", now);
    await b.engine.failures.fail("old/gone.txt", null, "ENOENT: no such file or directory", now - 60_000);
    for (let i = 0; i < 6; i++) await b.engine.failures.fail("dead.txt", null, "EACCES: permission denied", now - 600_000);
    await b.engine.close();
    await rename(join(b.root, "docs/deep"), join(b.root, "docs-renamed"));
    await writeFile(join(a.root, "docs/deep/b.bin"), "v2 from alpha");
    await writeFile(join(a.root, "docs/deep/new.txt"), "new from alpha");
    await a.sync();
    await b.restart();
    await b.sync();
    expect(b.engine.failing.map((f) => [f.path, f.dead])).toEqual([["dead.txt", true]]);
    expect(await readTree(b.root)).toEqual(expected);
  });
});
