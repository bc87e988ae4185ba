// The first machine creates the vault's keys; a second machine registers,
// fetches the key file and unlocks with the password only; the agent opens
// the vault from the key store or the password; wrong passwords and loose
// files are refused with nothing written.
import { existsSync } from "node:fs";
import { chmod, readFile, stat } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatFingerprint, WrongPasswordError } from "../../../lib/crypto/mod.ts";
import { readAgentConfig } from "../../../lib/agent/home/config.ts";
import { homePaths } from "../../../lib/agent/home/paths.ts";
import { readMachineToken } from "../../../lib/agent/home/token.ts";
import { KeyStoreError } from "../../../lib/agent/keys/key-store.ts";
import { openAgentVault, VaultLockedError } from "../../../lib/agent/keys/open-vault.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { invite, PASSWORD, runAgentCli, scratch, type Scratch } from "./cli-harness.ts";

let server: TestServer;
let dirs: Scratch;
let first: string;
let fingerprintText = "";

beforeAll(async () => {
  server = await startTestServer();
  dirs = await scratch();
  first = dirs.home("first");
});
afterAll(async () => {
  await server.close();
  await dirs.cleanup();
});

describe("first machine", () => {
  it("init without registration fails with the exact next command", async () => {
    const run = await runAgentCli(["init", "--home", dirs.home("none"), "--password-stdin"], { stdin: [PASSWORD] });
    expect(run.code).toBe(1);
    expect(run.err).toContain("syncagent register --server URL --invite CODE");
    expect(existsSync(dirs.home("none"))).toBe(false);
  });

  it("register prints the init step; init refuses a short password, then creates the keys once", async () => {
    const reg = await runAgentCli(["register", "--home", first, "--server", server.url, "--invite", await invite(server), "--sync-folder", dirs.folder("first")]);
    expect(reg.code).toBe(0);
    expect(reg.out).toContain(`Next: syncagent init --home ${first}`);

    const short = await runAgentCli(["init", "--home", first, "--password-stdin"], { stdin: ["short"] });
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/12 to 1024 characters/);

    const nothing = await runAgentCli(["init", "--home", first]);
    expect(nothing.code).toBe(1);
    expect(nothing.err).toMatch(/--password-stdin.*SYNCAGENT_PASSWORD/);
    expect((await server.machineFetch("/api/vault/key", {}, await readMachineToken(homePaths(first)))).status).toBe(404);

    const init = await runAgentCli(["init", "--home", first, "--password-stdin", "--key-store", "file"], { stdin: [PASSWORD] });
    expect(init.err).toBe("");
    expect(init.code).toBe(0);
    expect(init.out).toMatch(/Recovery key .*shown only this once/s);
    expect(init.out).toMatch(/^ {4}[0-9A-Z]{5}(-[0-9A-Z]{1,5}){10}$/m);
    expect(init.out).toContain(`syncagent agent --home ${first}`);
    expect(init.out).toContain(`syncagent register --server ${server.url} --invite`);
    expect(init.out).not.toContain(PASSWORD);
    fingerprintText = /Vault fingerprint: (\S+)/.exec(init.out)?.[1] ?? "";

    const paths = homePaths(first);
    const config = await readAgentConfig(paths.config);
    expect(formatFingerprint(config.fingerprint ?? "")).toBe(fingerprintText);
    expect(config).toMatchObject({ keyRevision: 1, keyStore: "file" });
    expect((await stat(paths.keyStoreFile)).mode & 0o777).toBe(0o600);
    const served = (await (await server.machineFetch("/api/vault/key", {}, await readMachineToken(paths))).json()) as { blob: string; version: number };
    expect(served.version).toBe(1);
    expect(Buffer.from(served.blob, "base64").equals(await readFile(paths.keyFile))).toBe(true);

    const again = await runAgentCli(["init", "--home", first, "--password-stdin"], { stdin: [PASSWORD] });
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already has the vault's keys/);
  });

  it("the agent opens the vault from the file store without a password, and warns about it", async () => {
    const paths = homePaths(first);
    const warnings: string[] = [];
    const vault = await openAgentVault({ paths, config: await readAgentConfig(paths.config), env: {}, warn: (t) => warnings.push(t) });
    expect(formatFingerprint(vault.fingerprint)).toBe(fingerprintText);
    expect(warnings.join()).toMatch(/not root/);
  });

  it("a file store with a loose mode is refused", async () => {
    const paths = homePaths(first);
    await chmod(paths.keyStoreFile, 0o644);
    await expect(openAgentVault({ paths, config: await readAgentConfig(paths.config), env: {} })).rejects.toBeInstanceOf(KeyStoreError);
    await chmod(paths.keyStoreFile, 0o600);
  });
});

describe("second machine", () => {
  const second = (): string => dirs.home("second");

  it("register with a wrong password registers but writes no key and says how to unlock", async () => {
    const run = await runAgentCli(
      ["register", "--home", second(), "--server", server.url, "--invite", await invite(server), "--sync-folder", dirs.folder("second"), "--password-stdin", "--key-store", "none"],
      { stdin: ["not the password at all"] },
    );
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/not unlocked: .*password/i);
    expect(run.err).toContain(`syncagent unlock --home ${second()}`);
    const paths = homePaths(second());
    const config = await readAgentConfig(paths.config);
    expect(config.fingerprint).toBeUndefined();
    expect(existsSync(paths.keyFile)).toBe(false);
    expect(existsSync(paths.keyStoreFile)).toBe(false);
  });

  it("unlocks with the password only and shows the first machine's fingerprint", async () => {
    const run = await runAgentCli(["unlock", "--home", second(), "--key-store", "none"], { env: { SYNCAGENT_PASSWORD: PASSWORD } });
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toContain(`Vault fingerprint: ${fingerprintText}`);
    expect(run.out).toMatch(/no key is kept/);
    const paths = homePaths(second());
    const config = await readAgentConfig(paths.config);
    expect(config).toMatchObject({ keyStore: "none", keyRevision: 1 });
    expect(existsSync(paths.keyStoreFile)).toBe(false);
  });

  it("with the none store the agent needs the password: locked without, wrong one refused", async () => {
    const paths = homePaths(second());
    const config = await readAgentConfig(paths.config);
    await expect(openAgentVault({ paths, config, env: {} })).rejects.toBeInstanceOf(VaultLockedError);
    await expect(openAgentVault({ paths, config, env: {} })).rejects.toThrow(/syncagent unlock/);
    await expect(openAgentVault({ paths, config, env: { SYNCAGENT_PASSWORD: "wrong password, sorry" } })).rejects.toBeInstanceOf(WrongPasswordError);
    const vault = await openAgentVault({ paths, config, env: {}, readPassword: () => Promise.resolve(PASSWORD) });
    expect(formatFingerprint(vault.fingerprint)).toBe(fingerprintText);
  });

  it("unlock --key-store file then lock: the key is stored 0600, then removed, and lock says whether there was one", async () => {
    const paths = homePaths(second());
    const wrong = await runAgentCli(["unlock", "--home", second(), "--key-store", "file", "--password-stdin"], { stdin: ["wrong password, sorry"] });
    expect(wrong.code).toBe(1);
    expect(existsSync(paths.keyStoreFile)).toBe(false);
    expect((await readAgentConfig(paths.config)).keyStore).toBe("none");

    const unlock = await runAgentCli(["unlock", "--home", second(), "--key-store", "file", "--password-stdin"], { stdin: [PASSWORD] });
    expect(unlock.code).toBe(0);
    expect(unlock.out).toMatch(/not root/);
    expect((await stat(paths.keyStoreFile)).mode & 0o777).toBe(0o600);
    expect((await readAgentConfig(paths.config)).keyStore).toBe("file");

    const lock = await runAgentCli(["lock", "--home", second()]);
    expect(lock.out).toMatch(/stored key was removed/);
    expect(existsSync(paths.keyStoreFile)).toBe(false);
    const again = await runAgentCli(["lock", "--home", second()]);
    expect(again.out).toMatch(/Nothing to remove/);
    await expect(openAgentVault({ paths, config: await readAgentConfig(paths.config), env: {} })).rejects.toBeInstanceOf(VaultLockedError);
  });
});

describe("keyring store without a session bus", () => {
  it("unlock fails clearly, naming the file and none stores, and never falls back to a plaintext file", async () => {
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    try {
      const home = dirs.home("nobus");
      const reg = await runAgentCli(["register", "--home", home, "--server", server.url, "--invite", await invite(server), "--sync-folder", dirs.folder("nobus")]);
      expect(reg.code).toBe(0);
      const run = await runAgentCli(["unlock", "--home", home, "--password-stdin"], { stdin: [PASSWORD] });
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/No OS keyring here/);
      expect(run.err).toContain("--key-store file");
      expect(run.err).toContain("--key-store none");
      expect(run.err).not.toContain(PASSWORD);
      expect(existsSync(homePaths(home).keyStoreFile)).toBe(false);
    } finally {
      if (saved !== undefined) process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  });
});
