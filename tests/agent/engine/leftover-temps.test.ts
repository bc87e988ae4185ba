// Temp files a crash left (A6) are removed by the first pass's full scan, before any download of this
// engine starts; a later full scan never touches one (it may be a download in progress).
import { access, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEMP_PREFIX } from "../../../lib/agent/transfer/temp-files.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { readTree, startTestAgent, type TestAgent } from "../helpers/engines.ts";

const present = (path: string) => access(path).then(() => true, () => false);

describe("temp files left by a crash (A6)", () => {
  let server: TestServer;
  let a: TestAgent;
  beforeEach(async () => {
    server = await startTestServer();
    a = await startTestAgent(server, "alpha");
  });
  afterEach(async () => {
    await a.close();
    await server.close();
  });

  it("are removed by the first scan, never by a later one, and never synced", async () => {
    await mkdir(join(a.root, "dir"));
    await writeFile(join(a.root, "dir", "kept.txt"), "kept");
    const left = [join(a.root, `${TEMP_PREFIX}0001`), join(a.root, "dir", `${TEMP_PREFIX}0002`)];
    for (const path of left) await writeFile(path, "partial");
    await a.engine.pass();
    for (const path of left) expect(await present(path)).toBe(false);

    const later = join(a.root, "dir", `${TEMP_PREFIX}0003`);
    await writeFile(later, "a download in progress");
    a.engine.requestFullScan();
    await a.sync();
    expect(await present(later)).toBe(true);
    expect([...a.engine.remote.nodes.values()].map((n) => n.name).sort()).toEqual(["dir", "kept.txt"]);
    expect(await readTree(a.root)).toMatchObject({ "dir/kept.txt": "kept" });
  });
});
