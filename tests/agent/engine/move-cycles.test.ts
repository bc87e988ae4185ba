/**
 * Moves that wait on one another, between two machines over a real server
 * (A11, A16, Q2): a folder put into a new folder that takes its name, a
 * folder renamed onto the name of the file it now holds, a folder restored
 * where a new file stands, two entries swapped, a file renamed onto the
 * name of a folder that comes back. Each settles, and both machines end the
 * same.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { readTree, startTestAgent, type TestAgent } from "../helpers/engines.ts";

describe("moves that wait on one another settle (A11, A16)", () => {
  let server: TestServer;
  let a: TestAgent;
  let b: TestAgent;
  beforeEach(async () => {
    server = await startTestServer();
    a = await startTestAgent(server, "alpha");
    b = await startTestAgent(server, "beta");
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await server.close();
  });

  it("a folder moved there into a new folder that took its name steps aside here, then goes in", async () => {
    await mkdir(join(a.root, "a"));
    await writeFile(join(a.root, "a/f.txt"), "inside");
    await a.sync();
    await b.sync();
    await mkdir(join(a.root, "b"));
    await rename(join(a.root, "a"), join(a.root, "b/a"));
    await a.sync();
    await rename(join(a.root, "b"), join(a.root, "a"));
    await a.sync();
    // B still has the folder at "a": the server wants it at "a/a", below its own path here.
    await b.sync();
    const expected = { a: "<dir>", "a/a": "<dir>", "a/a/f.txt": "inside" };
    expect(await readTree(b.root)).toEqual(expected);
    expect(b.engine.failing).toEqual([]);
    await a.sync();
    expect(await readTree(a.root)).toEqual(expected);
  });

  it("a new folder that takes the name of the file moved into it is committed, and so is the move", async () => {
    await writeFile(join(a.root, "A"), "the file");
    await a.sync();
    await b.sync();
    await rename(join(a.root, "A"), join(a.root, "x"));
    await mkdir(join(a.root, "A"));
    await rename(join(a.root, "x"), join(a.root, "A/A"));
    await a.sync();
    await b.sync();
    const expected = { A: "<dir>", "A/A": "the file" };
    expect(await readTree(a.root)).toEqual(expected);
    expect(await readTree(b.root)).toEqual(expected);
    expect(a.engine.failing).toEqual([]);
    expect(b.engine.failing).toEqual([]);
  });

  it("a folder renamed onto the name of the file it now holds stays one folder", async () => {
    await writeFile(join(a.root, "f"), "the file");
    await mkdir(join(a.root, "a"));
    await writeFile(join(a.root, "a/g.txt"), "g");
    await a.sync();
    await b.sync();
    const folderId = [...b.engine.synced.values()].find((n) => n.name === "a")!.nodeId;
    await rename(join(a.root, "f"), join(a.root, "a/f"));
    await rename(join(a.root, "a"), join(a.root, "f"));
    await a.sync();
    await b.sync();
    const expected = { f: "<dir>", "f/f": "the file", "f/g.txt": "g" };
    expect(await readTree(a.root)).toEqual(expected);
    expect(await readTree(b.root)).toEqual(expected);
    // Moved, not deleted and sent again.
    expect(b.engine.synced.get(folderId)?.name).toBe("f");
  });

  it("a folder deleted here while a file was added in it there, a new file here under its name: the folder comes back, the file is set aside", async () => {
    await mkdir(join(a.root, "d"));
    await a.sync();
    await b.sync();
    await rm(join(b.root, "d"), { recursive: true });
    await writeFile(join(b.root, "d"), "mine");
    await writeFile(join(a.root, "d/x"), "theirs");
    await a.sync();
    await b.sync();
    await a.sync();
    const tree = await readTree(b.root);
    expect(tree["d"]).toBe("<dir>");
    expect(tree["d/x"]).toBe("theirs");
    const copy = Object.keys(tree).find((p) => p.startsWith("d.conflict") || (p.startsWith("d") && p !== "d" && p !== "d/x"));
    expect(copy).toBeDefined();
    expect(await readFile(join(b.root, copy!), "utf8")).toBe("mine");
    expect(await readTree(a.root)).toEqual(tree);
  });

  it("a file and a folder swapped here are swapped there too, and back", async () => {
    await writeFile(join(a.root, "a"), "the file");
    await mkdir(join(a.root, "b"));
    await writeFile(join(a.root, "b/x"), "inside");
    await a.sync();
    await b.sync();
    const swap = async (root: string) => {
      await rename(join(root, "a"), join(root, "t"));
      await rename(join(root, "b"), join(root, "a"));
      await rename(join(root, "t"), join(root, "b"));
    };
    await swap(a.root);
    await a.sync();
    const swapped = { a: "<dir>", "a/x": "inside", b: "the file" };
    expect(await readTree(a.root)).toEqual(swapped);
    expect(a.engine.failing).toEqual([]);
    // B has each where the server wants the other.
    await b.sync();
    expect(await readTree(b.root)).toEqual(swapped);
    expect(b.engine.failing).toEqual([]);
    await swap(b.root);
    await b.sync();
    await a.sync();
    const back = { a: "the file", b: "<dir>", "b/x": "inside" };
    expect(await readTree(b.root)).toEqual(back);
    expect(await readTree(a.root)).toEqual(back);
  });

  it("a file renamed onto the name of a folder deleted here, which a file added there brings back, steps aside", async () => {
    await mkdir(join(a.root, "d"));
    await writeFile(join(a.root, "f"), "the file");
    await a.sync();
    await b.sync();
    await rm(join(b.root, "d"), { recursive: true });
    await rename(join(b.root, "f"), join(b.root, "d"));
    await writeFile(join(a.root, "d/x"), "theirs");
    await a.sync();
    b.events.length = 0;
    await b.sync();
    // Settled without a refused rename counted as a failure.
    expect(b.events.filter((e) => e.type === "pass-finished" && "failed" in e && Number(e.failed) > 0)).toEqual([]);
    expect(b.engine.failing).toEqual([]);
    await a.sync();
    const tree = await readTree(b.root);
    expect(tree["d"]).toBe("<dir>");
    expect(tree["d/x"]).toBe("theirs");
    const copy = Object.keys(tree).find((p) => p.startsWith("d.conflict-"));
    expect(copy).toBeDefined();
    expect(tree[copy!]).toBe("the file");
    expect(await readTree(a.root)).toEqual(tree);
  });

  it("a file renamed here onto the name another file with its content moved to there takes the name, no copy", async () => {
    await writeFile(join(a.root, "f"), "same");
    await writeFile(join(a.root, "g"), "other");
    await a.sync();
    await b.sync();
    await rename(join(b.root, "f"), join(b.root, "A"));
    await rename(join(a.root, "g"), join(a.root, "A"));
    await writeFile(join(a.root, "A"), "same");
    await a.sync();
    await b.sync();
    await a.sync();
    expect(await readTree(b.root)).toEqual({ A: "same" });
    expect(await readTree(a.root)).toEqual({ A: "same" });
    expect(b.engine.failing).toEqual([]);
  });
});
