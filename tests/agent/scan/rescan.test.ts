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
