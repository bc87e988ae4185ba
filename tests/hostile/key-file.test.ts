// A hostile server handing out another vault's key file (C6, C7, Q1, Q2):
// at the registration of a new machine, and to a machine that already knows
// the vault. The key file of another vault (same master password) is
// refused with a clear error and nothing of it is kept; a wholesale swap (the
// other vault's id and its key file, consistently) cannot be told by a
// fresh device on its own: it shows the other vault's fingerprint, which the
// user compares with the one `init` printed.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createVault, formatFingerprint, type NewVault } from "../../lib/crypto/mod.ts";
import { homePaths } from "../../lib/agent/home/paths.ts";
import { sha256Of } from "../agent/e2e/disk.ts";
import { invite, PASSWORD, runAgentCli } from "../agent/keys/cli-harness.ts";
import { put, startScene, type Scene } from "./setup.ts";

let s: Scene;
let other: NewVault;
let ours: { vaultId: string; fingerprint: string };

beforeAll(async () => {
  s = await startScene();
  // Another vault on the same server, whose owner chose the same master password.
  other = await createVault(PASSWORD);
  ours = JSON.parse(await readFile(s.a.paths.config, "utf8")) as { vaultId: string; fingerprint: string };
});
afterAll(async () => {
  await s.close();
});
beforeEach(() => s.proxy.clear());

const isKeyFile = (method: string, path: string): boolean => method === "GET" && path === "/api/vault/key";

/** Serves the other vault's key file in place of ours. */
function serveOtherKeyFile(): void {
  s.proxy.rewrite(isKeyFile, (ex) => {
    const answer = JSON.parse(ex.body.toString("utf8")) as { blob: string };
    return Buffer.from(JSON.stringify({ ...answer, blob: Buffer.from(other.keyFile).toString("base64") }));
  });
}

async function exists(path: string): Promise<boolean> {
  return (await sha256Of(path)) !== null;
}

async function register(name: string): Promise<{ code: number; text: string; home: string }> {
  const home = s.dirs.home(name);
  const args = ["register", "--home", home, "--server", s.proxy.url, "--invite", await invite(s.server), "--sync-folder", s.dirs.folder(name), "--name", name, "--key-store", "file"];
  const run = await runAgentCli(args, { env: { SYNCAGENT_PASSWORD: PASSWORD } });
  return { code: run.code, text: run.out + run.err, home };
}

it("11. refuses another vault's key file at the registration of a new machine, and keeps nothing of it", async () => {
  serveOtherKeyFile();
  const c = await register("gamma");
  expect(s.proxy.rules[0]!.hits).toBeGreaterThan(0);
  expect(c.code).toBe(1);
  expect(c.text).toMatch(/Registered, but not unlocked: Cannot open key file: it belongs to another vault/);
  const paths = homePaths(c.home);
  expect(await exists(paths.keyFile)).toBe(false);
  expect(await exists(paths.keyStoreFile)).toBe(false);
  const config = JSON.parse(await readFile(paths.config, "utf8")) as { vaultId: string; fingerprint?: string };
  expect(config.vaultId).toBe(ours.vaultId);
  expect(config.fingerprint).toBeUndefined();

  // Honest again, the same home unlocks with our vault and shows our fingerprint.
  s.proxy.clear();
  const unlock = await runAgentCli(["unlock", "--home", c.home, "--key-store", "file"], { env: { SYNCAGENT_PASSWORD: PASSWORD } });
  expect(unlock.code, unlock.out + unlock.err).toBe(0);
  expect(unlock.out).toContain(formatFingerprint(ours.fingerprint));
});

it("11b. a machine that knows the vault refuses another vault's key file at every start, and syncs nothing with it", async () => {
  const note = await put(s, "note.txt", "before the swap");
  await s.syncA();
  const keyBefore = await sha256Of(s.b.paths.keyFile);
  serveOtherKeyFile();
  const b = await runAgentCli(["sync", "--home", s.b.home], { env: s.b.env });
  expect(s.proxy.rules[0]!.hits).toBe(1);
  expect(b.code).toBe(1);
  expect(b.out + b.err).toMatch(/The server's key file is refused: Cannot open key file: it belongs to another vault/);
  expect(await sha256Of(s.b.paths.keyFile)).toBe(keyBefore);
  expect(await sha256Of(join(s.b.folder, "note.txt"))).toBeNull();

  s.proxy.clear();
  const ok = await s.syncB();
  expect(ok.code, ok.text).toBe(0);
  expect(await sha256Of(join(s.b.folder, "note.txt"))).toBe(note);
});

it("11c. a fresh device cannot tell a wholesale swap (the other vault's id and key file) on its own: it shows the other fingerprint", async () => {
  s.proxy.rewrite(
    (method, path) => method === "POST" && path === "/api/machines/register",
    (ex) => {
      const answer = JSON.parse(ex.body.toString("utf8")) as { vaultId: string };
      return Buffer.from(JSON.stringify({ ...answer, vaultId: other.vault.vaultId }));
    },
  );
  serveOtherKeyFile();
  const d = await register("delta");
  expect(d.code, d.text).toBe(0);
  expect(d.text).toContain(`Vault fingerprint: ${formatFingerprint(other.vault.fingerprint)}`);
  expect(d.text).not.toContain(formatFingerprint(ours.fingerprint));
});
