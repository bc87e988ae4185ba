// Password change, recovery with the recovery key, and moving the key file
// by hand: the root key and keyring never change, the old password stops
// working, and bad input changes nothing.
import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptChunk, decryptChunk, openWithPassword, WrongPasswordError } from "../../../lib/crypto/mod.ts";
import { readAgentConfig } from "../../../lib/agent/home/config.ts";
import { homePaths } from "../../../lib/agent/home/paths.ts";
import { openAgentVault } from "../../../lib/agent/keys/open-vault.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { invite, PASSWORD, runAgentCli, scratch, type Scratch } from "./cli-harness.ts";

let server: TestServer;
let dirs: Scratch;
let home: string;
let recoveryKey = "";

beforeAll(async () => {
  server = await startTestServer();
  dirs = await scratch();
  home = dirs.home("a");
  const init = await runAgentCli(
    ["init", "--home", home, "--server", server.url, "--invite", await invite(server), "--sync-folder", dirs.folder("a"), "--password-stdin", "--key-store", "none"],
    { stdin: [PASSWORD] },
  );
  if (init.code !== 0) throw new Error(init.err);
  recoveryKey = /^ {4}(\S+)$/m.exec(init.out)?.[1] ?? "";
});
afterAll(async () => {
  await server.close();
  await dirs.cleanup();
});

const NEW = "a brand new master password";
const RESET = "the password after recovery";

describe("change-password", () => {
  it("refuses a wrong current password and changes nothing", async () => {
    const paths = homePaths(home);
    const before = await readFile(paths.keyFile);
    const run = await runAgentCli(["change-password", "--home", home, "--password-stdin"], { stdin: ["not the password!", NEW] });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/password/i);
    expect(run.err).not.toContain(NEW);
    expect((await readFile(paths.keyFile)).equals(before)).toBe(true);
    expect((await readAgentConfig(paths.config)).keyRevision).toBe(1);
  });

  it("re-wraps only: old password fails, new works, root key and chunks unchanged", async () => {
    const paths = homePaths(home);
    const config = await readAgentConfig(paths.config);
    const before = await openAgentVault({ paths, config, env: { SYNCAGENT_PASSWORD: PASSWORD } });
    const chunk = await encryptChunk(before.keyring.current, new TextEncoder().encode("some file content"));

    const run = await runAgentCli(["change-password", "--home", home, "--password-stdin"], { stdin: [PASSWORD, NEW] });
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/revision 2.*no data was re-encrypted/s);

    const after = await readAgentConfig(paths.config);
    expect(after.keyRevision).toBe(2);
    await expect(openAgentVault({ paths, config: after, env: { SYNCAGENT_PASSWORD: PASSWORD } })).rejects.toBeInstanceOf(WrongPasswordError);
    const vault = await openAgentVault({ paths, config: after, env: { SYNCAGENT_PASSWORD: NEW } });
    expect(Buffer.from(vault.rootKey).equals(Buffer.from(before.rootKey))).toBe(true);
    expect(new TextDecoder().decode(await decryptChunk(vault.keyring, chunk.id, chunk.data))).toBe("some file content");
    // The server holds the same new file.
    const served = (await (await server.machineFetch("/api/vault/key", {}, (await readFile(paths.token, "utf8")).trim())).json()) as { blob: string; version: number };
    expect(Buffer.from(served.blob, "base64").equals(await readFile(paths.keyFile))).toBe(true);
    expect(served.version).toBe(2);
  });

  it("takes the two passwords from SYNCAGENT_PASSWORD and SYNCAGENT_NEW_PASSWORD", async () => {
    const run = await runAgentCli(["change-password", "--home", home], { env: { SYNCAGENT_PASSWORD: NEW, SYNCAGENT_NEW_PASSWORD: PASSWORD } });
    expect(run.code).toBe(0);
    const back = await runAgentCli(["change-password", "--home", home], { env: { SYNCAGENT_PASSWORD: PASSWORD, SYNCAGENT_NEW_PASSWORD: NEW } });
    expect(back.code).toBe(0);
    expect((await readAgentConfig(homePaths(home).config)).keyRevision).toBe(4);
  });
});

describe("recover", () => {
  it("refuses a mistyped recovery key, then resets the password on a new machine with the right one", async () => {
    const fresh = dirs.home("b");
    const reg = await runAgentCli(["register", "--home", fresh, "--server", server.url, "--invite", await invite(server), "--sync-folder", dirs.folder("b")]);
    expect(reg.code).toBe(0);
    const typo = recoveryKey.slice(0, 3) + (recoveryKey[3] === "A" ? "B" : "A") + recoveryKey.slice(4);
    const bad = await runAgentCli(["recover", "--home", fresh, "--password-stdin", "--key-store", "file"], { stdin: [typo, RESET] });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/recovery key/i);
    expect(existsSync(homePaths(fresh).keyFile)).toBe(false);

    const run = await runAgentCli(["recover", "--home", fresh, "--key-store", "file"], {
      env: { SYNCAGENT_RECOVERY_KEY: recoveryKey.toLowerCase(), SYNCAGENT_NEW_PASSWORD: RESET },
    });
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Vault fingerprint/);
    const paths = homePaths(fresh);
    expect((await stat(paths.keyStoreFile)).mode & 0o777).toBe(0o600);
    const config = await readAgentConfig(paths.config);
    expect(config.keyRevision).toBe(5);
    await expect(openWithPassword(await readFile(paths.keyFile), NEW, { vaultId: config.vaultId, firstOpen: true })).rejects.toBeInstanceOf(WrongPasswordError);
    await expect(openAgentVault({ paths, config, env: {} })).resolves.toMatchObject({ revision: 5 });
  });
});

describe("export-key and import-key", () => {
  it("exports as text and to a 0600 file; import checks vault, password and revision", async () => {
    const paths = homePaths(home);
    const text = await runAgentCli(["export-key", "--home", home]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^SyncAgent key file \(password-protected\): vault [0-9a-f]{32}, revision 4\n/);
    const out = join(dirs.dir, "exported.key");
    const file = await runAgentCli(["export-key", "--home", home, "--out", out]);
    expect(file.code).toBe(0);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect((await readFile(out)).equals(await readFile(paths.keyFile))).toBe(true);

    // Machine b knows revision 5: revision 4 is older and refused, revision 5 (the server's) is taken.
    const other = dirs.home("b");
    const old = await runAgentCli(["import-key", "--home", other, out, "--password-stdin"], { stdin: [NEW] });
    expect(old.code).toBe(1);
    expect(old.err).toMatch(/older than revision 5/);

    const textFile = join(dirs.dir, "exported.txt");
    await writeFile(textFile, (await runAgentCli(["export-key", "--home", other])).out);
    const bad = await runAgentCli(["import-key", "--home", other, textFile, "--password-stdin"], { stdin: [NEW] });
    expect(bad.code).toBe(1);
    const good = await runAgentCli(["import-key", "--home", other, textFile, "--password-stdin"], { stdin: [RESET] });
    expect(good.err).toBe("");
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/revision 5/);

    const garbage = join(dirs.dir, "garbage.txt");
    await writeFile(garbage, "hello\n");
    const notKey = await runAgentCli(["import-key", "--home", other, garbage, "--password-stdin"], { stdin: [RESET] });
    expect(notKey.code).toBe(1);
    expect(notKey.err).toMatch(/not a key file/);
    expect((await runAgentCli(["import-key", "--home", other])).code).toBe(2);
  });
});
