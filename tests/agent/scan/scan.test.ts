import { chmod, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileIgnoreRules } from "../../../lib/agent/scan/ignore-rules.ts";
import { scanFolder, type ScanOptions } from "../../../lib/agent/scan/scan.ts";
import { isTempName } from "../../../lib/agent/transfer/temp-files.ts";

const NO_RULES = compileIgnoreRules("");

function options(rules = NO_RULES, extra: Partial<ScanOptions> = {}): ScanOptions {
  return { rules, isInternalName: isTempName, ...extra };
}

describe("scanFolder (A3, A4, A5)", () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), "syncagent-scan-"));
    root = join(base, "sync");
    outside = join(base, "outside");
    await mkdir(root);
    await mkdir(outside);
  });
  afterEach(async () => {
    await chmod(join(root, "locked"), 0o755).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  });

  it("lists files, folders and empty files with their stamps", async () => {
    await mkdir(join(root, "docs/deep"), { recursive: true });
    await mkdir(join(root, "empty-dir"));
    await writeFile(join(root, "hello.txt"), "hello");
    await writeFile(join(root, "docs/deep/notes.md"), "# notes!");
    await writeFile(join(root, "empty"), "");
    await chmod(join(root, "hello.txt"), 0o755);
    const { entries, skipped } = await scanFolder(root, options());
    expect(skipped).toEqual([]);
    expect([...entries.keys()].sort()).toEqual(["docs", "docs/deep", "docs/deep/notes.md", "empty", "empty-dir", "hello.txt"]);
    const st = await lstat(join(root, "hello.txt"));
    expect(entries.get("hello.txt")).toEqual({ path: "hello.txt", kind: "file", stamp: { ino: st.ino, size: 5, mtimeMs: st.mtimeMs, mode: 0o755 } });
    expect(entries.get("empty")).toMatchObject({ kind: "file", stamp: { size: 0 } });
    expect(entries.get("docs/deep/notes.md")).toMatchObject({ kind: "file", stamp: { size: 8 } });
    const dir = entries.get("docs/deep")!;
    expect(dir).toMatchObject({ path: "docs/deep", kind: "dir", stamp: { size: 0, mtimeMs: 0, ino: (await lstat(join(root, "docs/deep"))).ino } });
  });

  it("an empty sync folder gives nothing", async () => {
    expect(await scanFolder(root, options())).toEqual({ entries: new Map(), skipped: [] });
  });

  it("skips symlinks without following them, even to outside the folder", async () => {
    await writeFile(join(outside, "secret.txt"), "not yours");
    await mkdir(join(outside, "tree"));
    await writeFile(join(outside, "tree/inner.txt"), "x");
    await mkdir(join(root, "d"));
    await symlink(join(outside, "secret.txt"), join(root, "link-file"));
    await symlink(join(outside, "tree"), join(root, "d/link-dir"));
    await symlink(join(root, "nowhere"), join(root, "dangling"));
    const { entries, skipped } = await scanFolder(root, options());
    expect([...entries.keys()]).toEqual(["d"]);
    expect(skipped.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: "d/link-dir", reason: "symlink" },
      { path: "dangling", reason: "symlink" },
      { path: "link-file", reason: "symlink" },
    ]);
  });

  it("does not list the agent's temp files", async () => {
    await mkdir(join(root, "d"));
    await writeFile(join(root, ".syncagent-tmp-x"), "partial");
    await writeFile(join(root, "d/.syncagent-tmp-abc123"), "partial");
    await writeFile(join(root, "d/real.txt"), "r");
    const { entries, skipped } = await scanFolder(root, options());
    expect([...entries.keys()].sort()).toEqual(["d", "d/real.txt"]);
    expect(skipped).toEqual([]);
  });

  it("leaves ignored paths out and does not descend into ignored folders", async () => {
    await mkdir(join(root, "build/sub"), { recursive: true });
    await mkdir(join(root, "src"));
    await writeFile(join(root, "build/out.bin"), "b");
    await writeFile(join(root, "build/sub/more.bin"), "b");
    // Seen only if the scanner went into build/.
    await symlink(outside, join(root, "build/sub/link"));
    await writeFile(join(root, "debug.log"), "l");
    await writeFile(join(root, "src/app.log"), "l");
    await writeFile(join(root, "src/app.ts"), "a");
    await writeFile(join(root, ".syncignore"), "*.log\nbuild/\n");
    const { entries, skipped } = await scanFolder(root, options(compileIgnoreRules("*.log\nbuild/\n")));
    expect([...entries.keys()].sort()).toEqual([".syncignore", "src", "src/app.ts"]);
    expect(skipped).toEqual([]);
  });

  it("a folder-only rule does not hide a file of that name", async () => {
    await writeFile(join(root, "build"), "a file");
    const { entries } = await scanFolder(root, options(compileIgnoreRules("build/\n")));
    expect(entries.get("build")).toMatchObject({ kind: "file" });
  });

  it("never ignores the rules file itself", async () => {
    await writeFile(join(root, ".syncignore"), "*\n");
    await writeFile(join(root, "other"), "o");
    const { entries } = await scanFolder(root, options(compileIgnoreRules("*\n")));
    expect([...entries.keys()]).toEqual([".syncignore"]);
  });

  it("reports special files and names not in NFC, and lists neither", async () => {
    const decomposed = "cafe\u0301.txt";
    await writeFile(join(root, decomposed), "nfd");
    await writeFile(join(root, "caf\u00e9-ok.txt"), "nfc");
    const server: Server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(join(root, "sock"), resolve);
    });
    try {
      const { entries, skipped } = await scanFolder(root, options());
      expect([...entries.keys()]).toEqual(["caf\u00e9-ok.txt"]);
      expect(skipped.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
        { path: decomposed, reason: "not-nfc" },
        { path: "sock", reason: "special" },
      ]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("throws when the sync folder is missing (nothing is taken for deleted)", async () => {
    await expect(scanFolder(join(base, "gone"), options())).rejects.toThrow(/ENOENT/);
  });

  it("throws when the sync folder is a file", async () => {
    await writeFile(join(base, "file"), "x");
    await expect(scanFolder(join(base, "file"), options())).rejects.toThrow(/ENOTDIR/);
  });

  it.skipIf(process.getuid?.() === 0)("reports an unreadable folder and still lists the rest", async () => {
    await mkdir(join(root, "locked"));
    await writeFile(join(root, "locked/inside.txt"), "hidden");
    await writeFile(join(root, "open.txt"), "o");
    await chmod(join(root, "locked"), 0o000);
    const { entries, skipped } = await scanFolder(root, options());
    expect(skipped).toEqual([{ path: "locked", reason: "unreadable" }]);
    expect([...entries.keys()]).toEqual(["open.txt"]);
  });

  it("finds every entry of a wide, deep tree whatever the concurrency", async () => {
    const expected: string[] = [];
    for (let i = 0; i < 12; i++) {
      let dir = `d${i}`;
      for (let depth = 0; depth < 4; depth++) {
        await mkdir(join(root, dir), { recursive: true });
        expected.push(dir);
        for (let f = 0; f < 3; f++) {
          await writeFile(join(root, dir, `f${f}.txt`), `${dir}/${f}`);
          expected.push(`${dir}/f${f}.txt`);
        }
        dir += `/s${depth}`;
      }
    }
    expected.sort();
    for (const concurrency of [1, 3, 8]) {
      const { entries } = await scanFolder(root, options(NO_RULES, { concurrency }));
      expect([...entries.keys()].sort()).toEqual(expected);
    }
  });
});
