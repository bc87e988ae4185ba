// Desktop notifications (A8): the real notify-send reaching a real session
// bus, the arguments it gets (a recording notify-send first on PATH), the
// missing, failing and hanging tool, and the macOS and Windows commands.
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appleScriptString, notificationCommand, notify, type NotifyRunner } from "../../lib/platform/notify.ts";
import { waitFor } from "../helpers/wait.ts";

let dir: string;
const savedEnv = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS };
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-notify-"));
});

afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  process.env.PATH = savedEnv.PATH;
  if (savedEnv.DBUS_SESSION_BUS_ADDRESS === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
  else process.env.DBUS_SESSION_BUS_ADDRESS = savedEnv.DBUS_SESSION_BUS_ADDRESS;
  await rm(dir, { recursive: true, force: true });
});

/** A `notify-send` first on PATH running `script` (sh). */
async function fakeNotifySend(script: string): Promise<void> {
  const bin = join(dir, "bin");
  await mkdir(bin);
  await writeFile(join(bin, "notify-send"), `#!/bin/sh\n${script}\n`);
  await chmod(join(bin, "notify-send"), 0o755);
  process.env.PATH = `${bin}:${savedEnv.PATH ?? ""}`;
}

describe("notify on Linux", () => {
  it("runs the real notify-send, which reaches the session bus's notification service", async () => {
    const bus = spawn("dbus-daemon", ["--session", "--nofork", "--print-address=1"], { stdio: ["ignore", "pipe", "ignore"] });
    children.push(bus);
    let address = "";
    bus.stdout.on("data", (chunk: Buffer) => (address += chunk.toString()));
    await waitFor("the bus address", () => address.includes("\n"));
    process.env.DBUS_SESSION_BUS_ADDRESS = address.trim();
    const monitor = spawn("dbus-monitor", ["--address", address.trim(), "interface=org.freedesktop.Notifications"], { stdio: ["ignore", "pipe", "ignore"] });
    children.push(monitor);
    let seen = "";
    monitor.stdout.on("data", (chunk: Buffer) => (seen += chunk.toString()));
    await waitFor("the monitor", () => seen.includes("NameAcquired") || seen.includes("NameLost"));

    // No notification server runs here: the call reaches the bus and fails, and notify says so.
    const shown = await notify("Conflict", "A file changed on two machines");
    expect(shown).toBe(false);
    await waitFor("the call on the bus", () => /destination=org\.freedesktop\.Notifications .*member=GetServerInformation/.test(seen));
  });

  it("passes title and body as separate arguments after --, with the app name", async () => {
    await fakeNotifySend(`for a in "$@"; do printf '%s\\0' "$a"; done > "${dir}/argv"`);
    const title = `-not-an-option "quoted" $HOME; rm -rf /`;
    const body = "line one\nline two 'single' `tick`";
    expect(await notify(title, body)).toBe(true);
    const argv = (await readFile(join(dir, "argv"), "utf8")).split("\0").slice(0, -1);
    expect(argv).toEqual(["--app-name=SyncAgent", "--", title, body]);
  });

  it("clips a very long title and body", async () => {
    await fakeNotifySend(`for a in "$@"; do printf '%s\\0' "$a"; done > "${dir}/argv"`);
    expect(await notify("t".repeat(500), "b".repeat(5000))).toBe(true);
    const argv = (await readFile(join(dir, "argv"), "utf8")).split("\0").slice(0, -1);
    expect(argv[2]).toHaveLength(200);
    expect(argv[3]).toHaveLength(1000);
  });

  it("resolves false when the tool is missing, fails, or hangs", async () => {
    process.env.PATH = join(dir, "empty");
    expect(await notify("t", "b")).toBe(false);

    await fakeNotifySend("exit 1");
    expect(await notify("t", "b")).toBe(false);

    await rm(join(dir, "bin"), { recursive: true });
    await fakeNotifySend("exec sleep 30");
    const started = Date.now();
    expect(await notify("t", "b", { timeoutMs: 300 })).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("resolves false when a runner never settles", async () => {
    const never: NotifyRunner = () => new Promise(() => undefined);
    expect(await notify("t", "b", { run: never, timeoutMs: 100 })).toBe(false);
  });
});

describe("notify elsewhere", () => {
  const recording = (): { calls: { file: string; args: string[]; env?: Record<string, string> }[]; run: NotifyRunner } => {
    const calls: { file: string; args: string[]; env?: Record<string, string> }[] = [];
    return { calls, run: (file, args, options) => (calls.push({ file, args, env: options.env }), Promise.resolve()) };
  };

  it("builds an AppleScript with escaped strings on macOS", async () => {
    const { calls, run } = recording();
    expect(await notify('Say "hi"', "back\\slash", { platform: "darwin", run })).toBe(true);
    expect(calls).toEqual([{ file: "osascript", args: ["-e", 'display notification "back\\\\slash" with title "Say \\"hi\\""'], env: undefined }]);
    expect(appleScriptString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it("keeps title and body out of the PowerShell script on Windows", async () => {
    const { calls, run } = recording();
    const title = "'); Remove-Item C:\\ -Recurse; ('";
    expect(await notify(title, "<b>body</b>", { platform: "win32", run })).toBe(true);
    expect(calls[0]!.file).toBe("powershell.exe");
    expect(calls[0]!.args.slice(0, 5)).toEqual(["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command"]);
    expect(calls[0]!.args.join(" ")).not.toContain("Remove-Item");
    expect(calls[0]!.env).toEqual({ SYNCAGENT_NOTIFY_TITLE: title, SYNCAGENT_NOTIFY_BODY: "<b>body</b>" });
    expect(calls[0]!.args[5]).toContain("SecurityElement]::Escape($env:SYNCAGENT_NOTIFY_TITLE)");
  });

  it("does nothing on a platform it does not know", async () => {
    const { calls, run } = recording();
    expect(await notify("t", "b", { platform: "aix", run })).toBe(false);
    expect(calls).toEqual([]);
    expect(notificationCommand("t", "b", "freebsd")?.file).toBe("notify-send");
  });
});
