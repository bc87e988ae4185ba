import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileIgnoreRules } from "../../../lib/agent/scan/ignore-rules.ts";
import { rescanPaths, scanFolder } from "../../../lib/agent/scan/scan.ts";
import { isTempName } from "../../../lib/agent/transfer/temp-files.ts";

const options = { rules: compileIgnoreRules("*.log\n"), isInternalName: isTempName };

describe("patching a scan with the paths that changed (A3)", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "syncagent-rescan-"));
    await mkdir(join(root, "a/b"), { recursive: true });
    await writeFile(join(root, "a/b/one.txt"), "1");
    await writeFile(join(root, "a/two.txt"), "2");
    await writeFile(join(root, "top.txt"), "t");
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("ends equal to a full scan after edits, creations, deletions and a folder rename", async () => {
    const scan = await scanFolder(root, options);
    await writeFile(join(root, "top.txt"), "changed content");
    await writeFile(join(root, "a/new.txt"), "new");
    await writeFile(join(root, "a/ignored.log"), "x");
    await writeFile(join(root, ".syncagent-tmp-123"), "temp");
    await symlink("/etc", join(root, "a/link"));
    await rm(join(root, "a/two.txt"));
    await rename(join(root, "a/b"), join(root, "a/c"));
    await rescanPaths(root, scan, ["top.txt", "a/new.txt", "a/ignored.log", ".syncagent-tmp-123", "a/link", "a/two.txt", "a/b", "a/c", "a/c/one.txt"], options);
    const full = await scanFolder(root, options);
    expect([...scan.entries.entries()].sort()).toEqual([...full.entries.entries()].sort());
    expect(scan.skipped.map((s) => [s.path, s.reason])).toEqual([["a/link", "symlink"]]);
  });

  it("forgets what was skipped at a changed path, and a path below a file is nothing", async () => {
    await symlink("/etc", join(root, "a/link"));
    const scan = await scanFolder(root, options);
    expect(scan.skipped.map((s) => s.path)).toEqual(["a/link"]);
    await rm(join(root, "a/link"));
    await rescanPaths(root, scan, ["a/link", "top.txt/inside"], options);
    expect(scan.skipped).toEqual([]);
    expect(scan.entries.has("top.txt/inside")).toBe(false);
    expect(scan.entries.has("top.txt")).toBe(true);
  });

  it("adds nothing below a folder that is gone, and refuses a missing root", async () => {
    const scan = await scanFolder(root, options);
    await rm(join(root, "a"), { recursive: true });
    await rescanPaths(root, scan, ["a/b/one.txt", "a"], options);
    expect([...scan.entries.keys()]).toEqual(["top.txt"]);
    await rm(root, { recursive: true });
    await expect(rescanPaths(root, scan, ["top.txt"], options)).rejects.toThrow();
    await mkdir(root);
  });
});

describe("patching a scan with many paths (A3)", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "syncagent-rescan-many-"));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("ends equal to a full scan after thousands of files changed, a folder with them among the paths", async () => {
    for (let d = 0; d < 10; d++) await mkdir(join(root, `d${d}`, "sub"), { recursive: true });
    const names = Array.from({ length: 2500 }, (_, i) => `d${i % 10}/${i % 3 === 0 ? "sub/" : ""}f${i}.txt`);
    await Promise.all(names.map((n) => writeFile(join(root, n), "x")));
    const scan = await scanFolder(root, options);
    await Promise.all(names.filter((_, i) => i % 2 === 0).map((n) => writeFile(join(root, n), "longer content")));
    await Promise.all(names.filter((_, i) => i % 5 === 1).map((n) => rm(join(root, n))));
    await writeFile(join(root, "d3", "fresh.log"), "ignored");
    await mkdir(join(root, "d3", "new"));
    await writeFile(join(root, "d3", "new", "inner.txt"), "in");
    await rm(join(root, "d9"), { recursive: true });
    await rescanPaths(root, scan, [...names, "d3/fresh.log", "d3/new", "d3/new/inner.txt", "d9", "d9/sub", "d4/sub"], options);
    const full = await scanFolder(root, options);
    expect([...scan.entries.entries()].sort()).toEqual([...full.entries.entries()].sort());
    expect(scan.entries.has("d3/new/inner.txt")).toBe(true);
    expect([...scan.entries.keys()].some((k) => k.startsWith("d9"))).toBe(false);
  });

});

describe("a patch that changes nothing (A5)", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "syncagent-rescan-same-"));
    await mkdir(join(root, "a/b"), { recursive: true });
    await writeFile(join(root, "a/b/one.txt"), "1");
    await writeFile(join(root, "a/two.txt"), "2");
    await writeFile(join(root, "top.txt"), "t");
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("says whether the paths looked at again changed the scan, and leaves an unchanged scan as it was (A5)", async () => {
    const scan = await scanFolder(root, options);
    const before = [...scan.entries];
    expect(await rescanPaths(root, scan, ["a", "top.txt", "a/b/one.txt", "missing.txt"], options)).toBe(false);
    expect([...scan.entries]).toEqual(before);
    await symlink("/etc", join(root, "a/link"));
    expect(await rescanPaths(root, scan, ["a/link"], options)).toBe(true);
    expect(await rescanPaths(root, scan, ["a/link"], options)).toBe(false);
    await rm(join(root, "a/link"));
    expect(await rescanPaths(root, scan, ["a/link"], options)).toBe(true);
    await writeFile(join(root, "top.txt"), "longer content");
    expect(await rescanPaths(root, scan, ["top.txt"], options)).toBe(true);
    await writeFile(join(root, "a/b/new.txt"), "n");
    expect(await rescanPaths(root, scan, ["a"], options)).toBe(true);
    expect([...scan.entries.keys()].sort()).toEqual([...(await scanFolder(root, options)).entries.keys()].sort());
    await rm(join(root, "a/b/new.txt"));
    expect(await rescanPaths(root, scan, ["a/b/new.txt"], options)).toBe(true);
    expect(await rescanPaths(root, scan, ["a/b/new.txt"], options)).toBe(false);
  });
});
