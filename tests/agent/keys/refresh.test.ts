// Keeping the key file current: a genuine newer file (a password change on
// another machine) is kept; an altered file, another vault's root key, or an
// older revision served again (a rollback) is refused and nothing changes.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVault, IntegrityError, openWithPassword, rewrapPassword } from "../../../lib/crypto/mod.ts";
import { getKeyFile, putKeyFile } from "../../../lib/agent/client/enrol.ts";
import type { HttpTarget } from "../../../lib/agent/client/http.ts";
import { readAgentConfig, type AgentConfig } from "../../../lib/agent/home/config.ts";
import { homePaths, type HomePaths } from "../../../lib/agent/home/paths.ts";
import { readMachineToken } from "../../../lib/agent/home/token.ts";
import { openAgentVault } from "../../../lib/agent/keys/open-vault.ts";
import { refreshKeyFile } from "../../../lib/agent/keys/refresh.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { invite, PASSWORD, runAgentCli, scratch, type Scratch } from "./cli-harness.ts";

let server: TestServer;
let dirs: Scratch;
let paths: HomePaths;
let other: HttpTarget; // another machine of the vault, acting as a hostile writer

beforeAll(async () => {
  server = await startTestServer();
  dirs = await scratch();
  const home = dirs.home("a");
  const reg = await runAgentCli(["init", "--home", home, "--server", server.url, "--invite", await invite(server), "--sync-folder", dirs.folder("a"), "--password-stdin", "--key-store", "none"], {
    stdin: [PASSWORD],
  });
  if (reg.code !== 0) throw new Error(reg.err);
  paths = homePaths(home);
  other = { serverUrl: server.url, token: (await server.registerMachine("other")).token };
});
afterAll(async () => {
  await server.close();
  await dirs.cleanup();
});

async function state(): Promise<{ config: AgentConfig; keyFile: Buffer }> {
  return { config: await readAgentConfig(paths.config), keyFile: await readFile(paths.keyFile) };
}

async function target(): Promise<HttpTarget> {
  return { serverUrl: server.url, token: await readMachineToken(paths) };
}

describe("refreshKeyFile", () => {
  it("keeps nothing new when the server's file is the local one", async () => {
    const before = await state();
    const vault = await openAgentVault({ paths, config: before.config, env: { SYNCAGENT_PASSWORD: PASSWORD } });
    const result = await refreshKeyFile(await target(), paths, before.config, vault);
    expect(result.vault).toBe(vault);
    expect(result.config).toBe(before.config);
  });

  it("keeps a newer genuine revision (password changed elsewhere): same root key, new password works", async () => {
    const before = await state();
    const vault = await openAgentVault({ paths, config: before.config, env: { SYNCAGENT_PASSWORD: PASSWORD } });
    const served = await getKeyFile(other);
    if (!served) throw new Error("no key file");
    const elsewhere = await openWithPassword(served.blob, PASSWORD, { vaultId: vault.vaultId, firstOpen: true });
    const next = await rewrapPassword(served.blob, elsewhere, "the new master password");
    await putKeyFile(other, next, served.version);

    const result = await refreshKeyFile(await target(), paths, before.config, vault);
    expect(result.config.keyRevision).toBe(2);
    expect(result.vault.revision).toBe(2);
    expect(Buffer.from(result.vault.rootKey).equals(Buffer.from(vault.rootKey))).toBe(true);
    const after = await state();
    expect(after.keyFile.equals(Buffer.from(next))).toBe(true);
    expect(after.config.keyRevision).toBe(2);
    await expect(openAgentVault({ paths, config: after.config, env: { SYNCAGENT_PASSWORD: "the new master password" } })).resolves.toMatchObject({ revision: 2 });
  });

  it("refuses a tampered key file (one flipped byte) and changes nothing", async () => {
    const before = await state();
    const vault = await openAgentVault({ paths, config: before.config, env: { SYNCAGENT_PASSWORD: "the new master password" } });
    const served = await getKeyFile(other);
    if (!served) throw new Error("no key file");
    const tampered = new Uint8Array(served.blob);
    const at = tampered.length - 40;
    tampered[at] = (tampered[at] ?? 0) ^ 1;
    await putKeyFile(other, tampered, served.version);
    await expect(refreshKeyFile(await target(), paths, before.config, vault)).rejects.toBeInstanceOf(IntegrityError);
    const after = await state();
    expect(after.keyFile.equals(before.keyFile)).toBe(true);
    expect(after.config).toEqual(before.config);
    // A password unlock refuses it too, and keeps nothing.
    const unlock = await runAgentCli(["unlock", "--home", paths.root, "--key-store", "none", "--password-stdin"], { stdin: ["the new master password"] });
    expect(unlock.code).toBe(1);
    expect((await state()).keyFile.equals(before.keyFile)).toBe(true);
  });

  it("refuses another root key for the same vault id", async () => {
    const before = await state();
    const vault = await openAgentVault({ paths, config: before.config, env: { SYNCAGENT_PASSWORD: "the new master password" } });
    const forged = await createVault("an attacker's password", { vaultId: before.config.vaultId });
    const newer = await rewrapPassword(forged.keyFile, forged.vault, "an attacker's password"); // revision 2, like ours
    const higher = await rewrapPassword(newer, { ...forged.vault, revision: 2 }, "an attacker's password"); // revision 3
    const served = await getKeyFile(other);
    await putKeyFile(other, higher, served?.version ?? 0);
    await expect(refreshKeyFile(await target(), paths, before.config, vault)).rejects.toThrow(/fingerprint changed/);
    expect((await state()).config).toEqual(before.config);
  });

  it("refuses an older revision served again (a rollback)", async () => {
    const before = await state();
    const vault = await openAgentVault({ paths, config: before.config, env: { SYNCAGENT_PASSWORD: "the new master password" } });
    const versions = await server.machineFetch("/api/vault/key-file/versions/1", {}, other.token);
    const first = (await versions.json()) as { blob: string };
    const served = await getKeyFile(other);
    await putKeyFile(other, Buffer.from(first.blob, "base64"), served?.version ?? 0);
    await expect(refreshKeyFile(await target(), paths, before.config, vault)).rejects.toThrow(/rollback/);
    const after = await state();
    expect(after.keyFile.equals(before.keyFile)).toBe(true);
    expect(after.config.keyRevision).toBe(2);
  });
});
