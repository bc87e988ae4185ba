// The OS keyring key store against a real Secret Service (gnome-keyring in
// a private D-Bus session, scripts/with-keyring.sh). Outside such a session
// this file re-runs itself inside one when the tools are installed, and is
// skipped with the reason when they are not.
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAgentConfig } from "../../lib/agent/home/config.ts";
import { homePaths } from "../../lib/agent/home/paths.ts";
import { KEYRING_SERVICE, KeyringKeyStore } from "../../lib/agent/keys/keyring-key-store.ts";
import { openAgentVault } from "../../lib/agent/keys/open-vault.ts";
import { openKeyringEntry } from "../../lib/platform/keyring/os-keyring.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { invite, PASSWORD, runAgentCli, scratch, type Scratch } from "../agent/keys/cli-harness.ts";

const run = promisify(execFile);

function hasTool(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const inSession = process.env.SYNCAGENT_IN_KEYRING_SESSION === "1" && Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);
const tools = ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"].filter((t) => !hasTool(t));
const skipReason = tools.length ? `skipped: ${tools.join(", ")} missing (apt-get install gnome-keyring libsecret-tools dbus)` : "";

describe.skipIf(inSession || tools.length > 0)(`OS keyring, via scripts/with-keyring.sh ${skipReason}`, () => {
  it("passes inside a private Secret Service session", async () => {
    const script = join(process.cwd(), "scripts", "with-keyring.sh");
    const vitest = join(process.cwd(), "node_modules", ".bin", "vitest");
    // A failure inside makes the script exit non-zero, which rejects here.
    // The inner run measures no coverage: it would replace the outer run's coverage folder.
    const { stdout } = await run(script, [vitest, "run", "--coverage.enabled=false", "tests/platform/keyring.test.ts"], {
      timeout: 120_000,
      env: { ...process.env, CI: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    expect(stdout).toMatch(/Tests\s+3 passed/);
  }, 130_000);
});

describe.runIf(inSession)("OS keyring (Secret Service session)", () => {
  let server: TestServer;
  let dirs: Scratch;
  beforeAll(async () => {
    server = await startTestServer();
    dirs = await scratch();
  });
  afterAll(async () => {
    await server?.close();
    await dirs?.cleanup();
  });

  it("stores, reads and deletes an entry that secret-tool sees under the same service and account", async () => {
    const entry = openKeyringEntry("syncagent-test", "probe");
    await entry.set("a value");
    expect(await entry.get()).toBe("a value");
    expect(execFileSync("secret-tool", ["lookup", "service", "syncagent-test", "username", "probe"], { encoding: "utf8" })).toBe("a value");
    expect(await entry.delete()).toBe(true);
    expect(await entry.get()).toBeNull();
    expect(await entry.delete()).toBe(false);
  });

  it("keeps a root key and refuses a damaged entry", async () => {
    const store = new KeyringKeyStore("0".repeat(32), "machine-x");
    const key = crypto.getRandomValues(new Uint8Array(32));
    await store.save(key);
    expect(Buffer.from((await store.load()) ?? []).equals(Buffer.from(key))).toBe(true);
    await openKeyringEntry(KEYRING_SERVICE, `${"0".repeat(32)}:machine-x`).set("c2hvcnQ=");
    await expect(store.load()).rejects.toThrow(/damaged/);
    expect(await store.clear()).toBe(true);
    expect(await store.load()).toBeNull();
  });

  it("init keeps the key in the keyring by default; the agent opens without a password; lock removes it", async () => {
    const home = dirs.home("kr");
    const init = await runAgentCli(
      ["init", "--home", home, "--server", server.url, "--invite", await invite(server), "--sync-folder", dirs.folder("kr"), "--password-stdin"],
      { stdin: [PASSWORD] },
    );
    expect(init.err).toBe("");
    expect(init.code).toBe(0);
    expect(init.out).toMatch(/kept in the OS keyring/);
    const paths = homePaths(home);
    expect(existsSync(paths.keyStoreFile)).toBe(false);
    const config = await readAgentConfig(paths.config);
    expect(config.keyStore).toBe("keyring");
    const vault = await openAgentVault({ paths, config, env: {} });
    expect(vault.vaultId).toBe(config.vaultId);
    const lock = await runAgentCli(["lock", "--home", home]);
    expect(lock.out).toMatch(/removed/);
    await expect(openAgentVault({ paths, config, env: {} })).rejects.toThrow(/locked/);
  });
});
