// Downloads make each folder once per pass (A6): a folder removed on this disk while its files
// download is a local change the next pass plans for, not a failure.
import { mkdtempSync, renameSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { readTree, startTestAgent, type TestAgent } from "../helpers/engines.ts";

describe("download folders (A6)", () => {
  let server: TestServer;
  let a: TestAgent;
  let b: TestAgent;
  let removed = false;
  let away = "";
  beforeEach(async () => {
    away = mkdtempSync(join(tmpdir(), "syncagent-away-"));
    server = await startTestServer();
    a = await startTestAgent(server, "alpha");
    removed = false;
    b = await startTestAgent(server, "beta", {
      onBytes: (path, _done, _total, direction) => {
        if (removed || direction !== "download" || !path.startsWith("dir/")) return;
        removed = true;
        // Moved out of the folder (as a desktop's trash does) in one step: a recursive delete here would race the
        // downloads' renames on the thread pool and fail with ENOTEMPTY inside the download's own callback.
        renameSync(join(b.root, "dir"), join(away, "dir"));
      },
    });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await server.close();
    rmSync(away, { recursive: true, force: true });
  });

  it("fills many files of one folder, and takes the folder's removal meanwhile as a local change", async () => {
    await mkdir(join(a.root, "dir"));
    await mkdir(join(a.root, "other"));
    for (let i = 0; i < 20; i++) {
      await writeFile(join(a.root, "dir", `f${i}`), `dir file ${i}`);
      await writeFile(join(a.root, "other", `g${i}`), `other file ${i}`);
    }
    await a.sync();
    const first = await b.engine.pass();
    expect(removed).toBe(true);
    expect(first.failed).toBe(0);
    expect(first.replan).toBe(true);
    expect(b.events.filter((e) => e.type === "failed")).toEqual([]);
    const tree = await readTree(b.root);
    for (let i = 0; i < 20; i++) expect(tree[`other/g${i}`]).toBe(`other file ${i}`);
    await b.sync();
    expect(b.events.filter((e) => e.type === "failed")).toEqual([]);
  });
});
