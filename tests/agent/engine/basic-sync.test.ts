import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTree, twoAgentsPerTest } from "../helpers/engines.ts";

describe("two agents through a real server (A5, A6, Q2)", () => {
  const pair = twoAgentsPerTest();

  it("uploads a tree on one machine and downloads it on the other", async () => {
    const { a, b } = pair;
    await mkdir(join(a.root, "docs/deep"), { recursive: true });
    await writeFile(join(a.root, "hello.txt"), "hello");
    await writeFile(join(a.root, "docs/deep/notes.md"), "# notes");
    await writeFile(join(a.root, "empty"), "");
    await mkdir(join(a.root, "empty-dir"));
    await a.sync();
    await b.sync();
    expect(await readTree(b.root)).toEqual(await readTree(a.root));
    expect(await readTree(b.root)).toMatchObject({ "hello.txt": "hello", "docs/deep/notes.md": "# notes", empty: "", "empty-dir": "<dir>" });
  });

  it("knows the files it wrote itself, once each, so the watcher's echo of them is no queued event (A10)", async () => {
    const { a, b } = pair;
    await writeFile(join(a.root, "echo.txt"), "from a");
    await a.sync();
    await b.sync();
    expect(b.engine.wroteItself("echo.txt")).toBe(true);
    expect(b.engine.wroteItself("echo.txt")).toBe(false);
    expect(a.engine.wroteItself("echo.txt")).toBe(false); // an upload writes nothing here
    expect(b.engine.wroteItself("never-written.txt")).toBe(false);
  });

  it("propagates a modification, a rename and a deletion", async () => {
    const { a, b } = pair;
    await mkdir(join(a.root, "dir"));
    await writeFile(join(a.root, "dir/f.txt"), "one");
    await writeFile(join(a.root, "g.txt"), "gee");
    await a.sync();
    await b.sync();
    await writeFile(join(b.root, "dir/f.txt"), "two");
    await rename(join(b.root, "dir"), join(b.root, "renamed"));
    await rm(join(b.root, "g.txt"));
    await b.sync();
    await a.sync();
    expect(await readTree(a.root)).toEqual({ renamed: "<dir>", "renamed/f.txt": "two" });
  });

  it("keeps both sides of a real conflict and none for identical edits (A8)", async () => {
    const { a, b } = pair;
    await writeFile(join(a.root, "c.txt"), "base");
    await writeFile(join(a.root, "same.txt"), "base");
    await a.sync();
    await b.sync();
    await writeFile(join(a.root, "c.txt"), "from a");
    await writeFile(join(b.root, "c.txt"), "from b");
    await writeFile(join(a.root, "same.txt"), "equal");
    await writeFile(join(b.root, "same.txt"), "equal");
    await a.sync();
    await b.sync();
    await a.sync();
    const treeA = await readTree(a.root);
    const treeB = await readTree(b.root);
    expect(treeA).toEqual(treeB);
    expect(treeB["c.txt"]).toBe("from a");
    const copies = Object.keys(treeB).filter((p) => p.startsWith("c.conflict-"));
    expect(copies).toHaveLength(1);
    expect(treeB[copies[0]!]).toBe("from b");
    expect(copies[0]).toMatch(/^c\.conflict-\d{8}-\d{6}-beta\.txt$/);
    expect(Object.keys(treeB).filter((p) => p.startsWith("same.conflict-"))).toHaveLength(0);
    expect(await readFile(join(a.root, "same.txt"), "utf8")).toBe("equal");
  });
});
