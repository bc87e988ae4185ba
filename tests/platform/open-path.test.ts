/**
 * Opening what a link names (W6, D1): the command per OS, files that would
 * run shown in their folder instead, and a real program run with the path.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openCommand, openPath, runsWhenOpened } from "../../lib/platform/open-path.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-open-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("opening a linked file (W6, D1)", () => {
  it("shows in its folder, never opens, what opening could run", () => {
    expect(runsWhenOpened("/f/report.pdf", 0o644, "file")).toBe(false);
    expect(runsWhenOpened("/f/Photos", 0o755, "dir")).toBe(false);
    expect(runsWhenOpened("/f/tool", 0o755, "file")).toBe(true);
    expect(runsWhenOpened("/f/tool", 0o744, "file")).toBe(true);
    for (const name of ["/f/start.desktop", "/f/SETUP.EXE", "/f/run.sh", "/f/x.ps1", "/f/a.lnk", "/f/app.jar"]) expect(runsWhenOpened(name, 0o644, "file")).toBe(true);
    expect(runsWhenOpened("/f/fifo", 0o644, "other")).toBe(true);
  });

  it("runs the desktop's opener with the path as one argument, never through a shell", () => {
    const path = "/home/u/SyncAgent/a; rm -rf ~ $(x).txt";
    expect(openCommand(path, false, "linux")).toEqual({ file: "xdg-open", args: [path] });
    expect(openCommand(path, true, "linux")).toEqual({ file: "xdg-open", args: ["/home/u/SyncAgent"] });
    expect(openCommand(path, false, "darwin")).toEqual({ file: "open", args: ["--", path] });
    expect(openCommand(path, true, "darwin")).toEqual({ file: "open", args: ["-R", "--", path] });
    expect(openCommand("C:\\S\\a.txt", true, "win32")).toEqual({ file: "explorer.exe", args: ["/select,C:\\S\\a.txt"] });
    expect(openCommand(path, false, "aix")).toBeNull();
    expect(openCommand(path, true, "aix", "/usr/bin/my-opener")).toEqual({ file: "/usr/bin/my-opener", args: [path] });
  });

  it("runs a real opener program, and reports one that fails or a system with none", async () => {
    const record = join(dir, "opened.txt");
    const opener = join(dir, "opener.sh");
    await writeFile(opener, `#!/bin/sh\nprintf '%s' "$1" > '${record}'\n`);
    await chmod(opener, 0o755);
    const target = join(dir, "a file with spaces; and $(no) shell.txt");
    await openPath(target, { reveal: false, opener });
    expect(await readFile(record, "utf8")).toBe(target);
    const failing = join(dir, "failing.sh");
    await writeFile(failing, "#!/bin/sh\nexit 3\n");
    await chmod(failing, 0o755);
    await expect(openPath(target, { reveal: false, opener: failing })).rejects.toThrow(/failing\.sh failed/);
    await expect(openPath(target, { reveal: false, platform: "aix" })).rejects.toThrow(/SYNCAGENT_OPENER/);
  });
});
