import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listTrash } from "../../../lib/agent/client/trash.ts";
import { restoreTrashEntry } from "../../../lib/agent/engine/trash-restore.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { readTree, startTestAgent, type TestAgent } from "../helpers/engines.ts";

/** Counts what a machine sends: content bytes to chunk routes and commit items. */
function meter() {
  const m = {
    chunkBytes: 0,
    commitItems: 0,
    commitRequests: 0,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (url.includes("/api/chunks/batch") || (url.includes("/api/chunks/") && init?.method === "PUT")) {
        const body = init?.body;
        if (body instanceof Uint8Array) m.chunkBytes += body.length;
      }
      if (url.endsWith("/api/commits") && typeof init?.body === "string") {
        m.commitRequests++;
        m.commitItems += (JSON.parse(init.body) as { items: unknown[] }).items.length;
      }
      return fetch(input, init);
    }) as typeof fetch,
  };
  return m;
}

describe("sync scenarios between two machines (A8, A16, A4, S5, Q2)", () => {
  let server: TestServer;
  let a: TestAgent;
  let b: TestAgent;
  let metered: ReturnType<typeof meter>;
  beforeEach(async () => {
    metered = meter();
    server = await startTestServer();
    a = await startTestAgent(server, "alpha", { fetch: (input, init) => metered.fetch(input, init) });
    b = await startTestAgent(server, "beta");
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await server.close();
  });

  it("a deletion on A while B modifies the file keeps B's content everywhere (A16)", async () => {
    await writeFile(join(a.root, "report.txt"), "v1");
    await a.sync();
    await b.sync();
    await rm(join(a.root, "report.txt"));
    await writeFile(join(b.root, "report.txt"), "v2 from b");
    await a.sync();
    await b.sync();
    await a.sync();
    expect(await readTree(b.root)).toEqual({ "report.txt": "v2 from b" });
    expect(await readTree(a.root)).toEqual({ "report.txt": "v2 from b" });
  });

  it("a modification on A while B deleted the file restores it on B", async () => {
    await writeFile(join(a.root, "r.txt"), "v1");
    await a.sync();
    await b.sync();
    await rm(join(b.root, "r.txt"));
    await writeFile(join(a.root, "r.txt"), "v2 from a");
    await a.sync();
    await b.sync();
    await a.sync();
    expect(await readTree(a.root)).toEqual({ "r.txt": "v2 from a" });
    expect(await readTree(b.root)).toEqual({ "r.txt": "v2 from a" });
  });

  it("the same folder created on both machines offline becomes one folder holding both sides' files", async () => {
    await mkdir(join(a.root, "Photos/2026"), { recursive: true });
    await writeFile(join(a.root, "Photos/2026/a.jpg"), "A");
    await mkdir(join(b.root, "Photos/2026"), { recursive: true });
    await writeFile(join(b.root, "Photos/2026/b.jpg"), "B");
    await a.sync();
    await b.sync();
    await a.sync();
    const expected = { Photos: "<dir>", "Photos/2026": "<dir>", "Photos/2026/a.jpg": "A", "Photos/2026/b.jpg": "B" };
    expect(await readTree(a.root)).toEqual(expected);
    expect(await readTree(b.root)).toEqual(expected);
  });

  it("renaming a folder of 1,000 files is one commit item and no content bytes", async () => {
    await mkdir(join(a.root, "big"));
    for (let i = 0; i < 1000; i++) await writeFile(join(a.root, "big", `f${i}.txt`), `file ${i}`);
    await a.sync();
    await b.sync();
    expect((await readdir(join(b.root, "big"))).length).toBe(1000);
    const bytesBefore = metered.chunkBytes;
    const itemsBefore = metered.commitItems;
    await rename(join(a.root, "big"), join(a.root, "huge"));
    await a.sync();
    expect(metered.chunkBytes - bytesBefore).toBe(0);
    expect(metered.commitItems - itemsBefore).toBe(1);
    await b.sync();
    expect((await readdir(join(b.root, "huge"))).length).toBe(1000);
    expect(await readdir(b.root)).toEqual(["huge"]);
  });

  it("delete → trash → restore → re-synced on both machines (S5)", async () => {
    await mkdir(join(a.root, "d"));
    await writeFile(join(a.root, "d/keep.txt"), "precious");
    await a.sync();
    await b.sync();
    await rm(join(b.root, "d"), { recursive: true });
    await b.sync();
    await a.sync();
    expect(await readTree(a.root)).toEqual({});
    const trash = await listTrash(b.engine.target);
    expect(trash).toHaveLength(1);
    const restored = await restoreTrashEntry(b.engine.target, b.engine.vault.keyring, trash[0]!, b.config.machineId);
    expect(restored.used).toBe("original");
    await a.sync();
    await b.sync();
    expect(await readTree(a.root)).toEqual({ d: "<dir>", "d/keep.txt": "precious" });
    expect(await readTree(b.root)).toEqual({ d: "<dir>", "d/keep.txt": "precious" });
  });

  it("a .syncignore rule written on A is honoured on B, and adding it deletes nothing (A4)", async () => {
    await writeFile(join(a.root, "old.log"), "synced before the rule");
    await a.sync();
    await b.sync();
    await writeFile(join(a.root, ".syncignore"), "*.log\nbuild/\n");
    await a.sync();
    await b.sync();
    await writeFile(join(b.root, "new.log"), "ignored");
    await mkdir(join(b.root, "build"));
    await writeFile(join(b.root, "build/out.bin"), "ignored too");
    await writeFile(join(b.root, "kept.txt"), "synced");
    await b.sync();
    await a.sync();
    expect(await readTree(a.root)).toEqual({ ".syncignore": "*.log\nbuild/\n", "kept.txt": "synced", "old.log": "synced before the rule" });
    expect(Object.keys(await readTree(b.root)).sort()).toEqual([".syncignore", "build", "build/out.bin", "kept.txt", "new.log", "old.log"]);
  });

  it("more than 1,000 files in one pass arrive whole (Q2)", async () => {
    await mkdir(join(a.root, "many"));
    for (let i = 0; i < 1200; i++) await writeFile(join(a.root, "many", `n${i}`), `n${i}`);
    await a.sync();
    await b.sync();
    const tree = await readTree(b.root);
    expect(Object.keys(tree)).toHaveLength(1201);
    expect(tree["many/n1199"]).toBe("n1199");
    // Batched: far fewer requests than files (a flush every 250 ms or 1,000 items while uploads go on).
    expect(metered.commitRequests).toBeLessThanOrEqual(12);
  });
});
