/**
 * Registering the `syncfile://` handler (W6, D1): the desktop entry and the
 * default in mimeapps.list written into real XDG folders, other entries
 * kept, removal undoing it; the Windows registry runs; macOS said plainly.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DESKTOP_ID, desktopEntry, desktopExecArg, SCHEME_MIME, setProtocolHandler, windowsRegistryRuns, withDefaultHandler, xdgDirs } from "../../lib/platform/protocol-handler.ts";
import { selfCommand } from "../../lib/runtime/self-command.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-protocol-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the syncfile:// handler (W6, D1)", () => {
  it("quotes Exec arguments as the desktop entry specification asks", () => {
    expect(desktopExecArg("/usr/bin/syncagent")).toBe("/usr/bin/syncagent");
    expect(desktopExecArg("/home/a b/.syncagent")).toBe('"/home/a b/.syncagent"');
    expect(desktopExecArg('we"ird$`\\')).toBe('"we\\"ird\\$\\`\\\\"');
    expect(desktopExecArg("100%")).toBe("100%%");
    const entry = desktopEntry(["/opt/syncagent"], "/home/a b/.syncagent");
    expect(entry).toContain('Exec=/opt/syncagent open-url --home "/home/a b/.syncagent" %u\n');
    expect(entry).toContain(`MimeType=${SCHEME_MIME};`);
  });

  it("sets and removes its default in mimeapps.list, keeping every other line", () => {
    expect(withDefaultHandler("", SCHEME_MIME, DESKTOP_ID)).toBe(`[Default Applications]\n${SCHEME_MIME}=${DESKTOP_ID};\n`);
    const theirs = "[Added Associations]\ntext/plain=gedit.desktop;\n\n[Default Applications]\ntext/html=firefox.desktop;\n";
    const ours = withDefaultHandler(theirs, SCHEME_MIME, DESKTOP_ID);
    expect(ours).toBe(`[Added Associations]\ntext/plain=gedit.desktop;\n\n[Default Applications]\n${SCHEME_MIME}=${DESKTOP_ID};\ntext/html=firefox.desktop;\n`);
    expect(withDefaultHandler(ours, SCHEME_MIME, DESKTOP_ID)).toBe(ours);
    expect(withDefaultHandler(ours, SCHEME_MIME, null)).toBe(theirs);
    const other = `[Default Applications]\n${SCHEME_MIME}=someone-else.desktop;\n`;
    expect(withDefaultHandler(other, SCHEME_MIME, null)).toBe(other); // another program's choice is not ours to remove
    expect(withDefaultHandler("[Added Associations]\na=b;\n", SCHEME_MIME, null)).toBe("[Added Associations]\na=b;\n");
  });

  it("writes and removes the entry and the default in real XDG folders", async () => {
    const env = { XDG_DATA_HOME: join(dir, "data"), XDG_CONFIG_HOME: join(dir, "config") };
    await mkdir(env.XDG_CONFIG_HOME, { recursive: true });
    await writeFile(join(env.XDG_CONFIG_HOME, "mimeapps.list"), "[Default Applications]\ntext/html=firefox.desktop;\n");
    const done = await setProtocolHandler({ command: ["/opt/syncagent"], home: "/home/u/.syncagent", env, platform: "linux" });
    const entryPath = join(env.XDG_DATA_HOME, "applications", DESKTOP_ID);
    expect(done.files).toEqual([entryPath, join(env.XDG_CONFIG_HOME, "mimeapps.list")]);
    expect(await readFile(entryPath, "utf8")).toContain("Exec=/opt/syncagent open-url --home /home/u/.syncagent %u");
    expect(await readFile(join(env.XDG_CONFIG_HOME, "mimeapps.list"), "utf8")).toContain(`${SCHEME_MIME}=${DESKTOP_ID};\ntext/html=firefox.desktop;`);
    await setProtocolHandler({ command: ["/opt/syncagent"], home: "/home/u/.syncagent", env, platform: "linux", remove: true });
    await expect(readFile(entryPath)).rejects.toThrow(/ENOENT/);
    expect(await readFile(join(env.XDG_CONFIG_HOME, "mimeapps.list"), "utf8")).toBe("[Default Applications]\ntext/html=firefox.desktop;\n");
    expect(xdgDirs({ HOME: "/home/u" })).toEqual({ dataHome: "/home/u/.local/share", configHome: "/home/u/.config" });
  });

  it("registers the per-user URL class on Windows, and says macOS is not covered yet", async () => {
    const runs = windowsRegistryRuns(["C:\\Program Files\\SyncAgent\\syncagent.exe"], "C:\\Users\\u\\.syncagent");
    expect(runs[0]).toEqual(["add", "HKCU\\Software\\Classes\\syncfile", "/ve", "/d", "URL:SyncAgent link", "/f"]);
    expect(runs[1]).toEqual(["add", "HKCU\\Software\\Classes\\syncfile", "/v", "URL Protocol", "/d", "", "/f"]);
    expect(runs[2]![4]).toBe('"C:\\Program Files\\SyncAgent\\syncagent.exe" "open-url" "--home" "C:\\Users\\u\\.syncagent" "%1"');
    expect(windowsRegistryRuns(["x"], "h", true)).toEqual([["delete", "HKCU\\Software\\Classes\\syncfile", "/f"]]);
    await expect(setProtocolHandler({ command: ["x"], home: "h", env: {}, platform: "darwin" })).rejects.toThrow(/not available on darwin.*open-url/);
  });

  it("runs this program again: the binary alone, or the runtime with its flags and script", () => {
    expect(selfCommand(["/usr/bin/node", "/src/main.ts", "up"], "/usr/bin/node", ["--import", "tsx"])).toEqual(["/usr/bin/node", "--import", "tsx", "/src/main.ts"]);
    expect(selfCommand(["/opt/syncagent", "/$bunfs/root/syncagent", "up"], "/opt/syncagent", [])).toEqual(["/opt/syncagent"]);
    expect(selfCommand(["C:\\s.exe", "B:\\~BUN\\root\\s.exe"], "C:\\s.exe", [])).toEqual(["C:\\s.exe"]);
    expect(selfCommand(["/opt/syncagent"], "/opt/syncagent", [])).toEqual(["/opt/syncagent"]);
  });
});
