// `syncagent up` (A1, C4, C7): the server and this machine's agent in one
// process. The first run sets both up from the passwords in the environment
// and prints the dashboard, the folder, the recovery key (once) and the join
// command; a file dropped in the folder reaches the server; the next run
// only starts; without a terminal and without the passwords the server runs
// alone and says how to finish; a bad password creates nothing.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandSpec } from "../../lib/cli/command.ts";
import { runCli } from "../../lib/cli/run.ts";
import type { Terminal } from "../../lib/platform/prompt.ts";
import { upCommandWith } from "../../cmd/up.ts";
import { runAgentCli } from "../agent/keys/cli-harness.ts";
import { waitFor } from "../helpers/wait.ts";

const ADMIN_PASSWORD = "an admin password for the dashboard";
const MASTER_PASSWORD = "the vault's long master password";
const PASSWORDS = { SYNCAGENT_ADMIN_PASSWORD: ADMIN_PASSWORD, SYNCAGENT_PASSWORD: MASTER_PASSWORD };

/** A running `syncagent up`: its output so far, a way to stop it, and its exit code. */
interface UpRun {
  out(): string;
  err(): string;
  stop(): void;
  code: Promise<number>;
}

function startUp(argv: string[], env: Record<string, string>): UpRun {
  const terminal = (): Terminal => ({
    stdin: Readable.from([]),
    interactive: false,
    promptHidden: () => Promise.reject(new Error("no terminal in tests")),
  });
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const root: CommandSpec = { name: "syncagent", summary: "test", subcommands: [upCommandWith(terminal, () => stopped)] };
  let out = "";
  let err = "";
  const code = runCli(root, ["up", ...argv], { env, out: (t) => void (out += t), err: (t) => void (err += t) });
  return { out: () => out, err: () => err, stop, code };
}

async function snapshotFiles(serverUrl: string, token: string): Promise<number> {
  const res = await fetch(`${serverUrl}/api/snapshot`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) return 0;
  const body = (await res.json()) as { items: { kind: string }[] };
  return body.items.filter((item) => item.kind === "file").length;
}

describe("syncagent up", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "syncagent-up-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe("first run, then a second run, on the same folders", () => {
    const args = (): string[] => ["--data-dir", join(dir, "data"), "--home", join(dir, "home"), "--sync-folder", join(dir, "folder"), "--port", "0", "--delay", "0"];
    let recoveryKey = "";

    it("sets everything up from the environment, prints URL, folder, recovery key and join command; a dropped file reaches the server", async () => {
      const up = startUp(args(), PASSWORDS);
      try {
        await waitFor("up to be running", () => up.out().includes("Stop with Ctrl-C."), 60_000);
        const out = up.out();
        const dashboard = /Dashboard: +(http:\/\/127\.0\.0\.1:\d+)\/ \(log in as 'admin'/.exec(out);
        expect(dashboard, out).not.toBeNull();
        const serverUrl = dashboard![1]!;
        expect(out).toContain(`Synced folder: ${join(dir, "folder")}`);
        const key = /Recovery key \(shown only this once[^\n]*\n[^\n]*\n\n {4}(\S[^\n]+)\n/.exec(out);
        expect(key, out).not.toBeNull();
        recoveryKey = key![1]!;
        expect(recoveryKey.length).toBeGreaterThan(20);
        const joinCommand = new RegExp(`syncagent register --server ${serverUrl.replace(/\./g, "\\.")} --invite (sai_\\S+)\\n`).exec(out);
        expect(joinCommand, out).not.toBeNull();
        expect(out + up.err()).not.toContain(MASTER_PASSWORD);
        expect(out + up.err()).not.toContain(ADMIN_PASSWORD);
        // The server answers as set up: the admin exists.
        const setup = (await (await fetch(`${serverUrl}/api/setup`)).json()) as { needed: boolean };
        expect(setup.needed).toBe(false);

        const token = (await readFile(join(dir, "home", "machine-token"), "utf8")).trim();
        expect(await snapshotFiles(serverUrl, token)).toBe(0);
        await writeFile(join(dir, "folder", "hello.txt"), "dropped in the folder");
        await waitFor("the dropped file on the server", async () => (await snapshotFiles(serverUrl, token)) === 1, 30_000);

        // The printed command works on a second machine: its invitation is fresh and unused.
        const second = await runAgentCli(
          ["register", "--home", join(dir, "home-2"), "--server", serverUrl, "--invite", joinCommand![1]!, "--sync-folder", join(dir, "folder-2"), "--name", "second", "--key-store", "none"],
          { env: { SYNCAGENT_PASSWORD: MASTER_PASSWORD } },
        );
        expect(second.code, second.err + second.out).toBe(0);
        expect(second.out).toContain("Vault fingerprint:");
      } finally {
        up.stop();
      }
      expect(await up.code).toBe(0);
    });

    it("a second run just starts: no recovery key, no new admin; the agent follows the server's new port", async () => {
      expect(recoveryKey).not.toBe("");
      const up = startUp(args(), {});
      try {
        await waitFor("up to be running again", () => up.out().includes("Stop with Ctrl-C."), 60_000);
        const out = up.out();
        expect(out).not.toContain(recoveryKey);
        expect(out).not.toContain("Recovery key");
        expect(out).not.toContain("log in as");
        expect(out).toContain("syncagent server invite --data-dir");
        const serverUrl = /Dashboard: +(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)![1]!;
        const config = JSON.parse(await readFile(join(dir, "home", "config.json"), "utf8")) as { serverUrl: string; keyStore: string };
        expect(config.serverUrl).toBe(serverUrl);
        expect(["keyring", "file"]).toContain(config.keyStore);

        const token = (await readFile(join(dir, "home", "machine-token"), "utf8")).trim();
        await writeFile(join(dir, "folder", "second.txt"), "after a restart");
        await waitFor("the second file on the server", async () => (await snapshotFiles(serverUrl, token)) === 2, 30_000);
      } finally {
        up.stop();
      }
      expect(await up.code).toBe(0);
    });
  });

  describe("without the passwords", () => {
    const args = (): string[] => ["--data-dir", join(dir, "data-b"), "--home", join(dir, "home-b"), "--sync-folder", join(dir, "folder-b"), "--port", "0"];

    it("a too short master password is refused before anything is created", async () => {
      const up = startUp(args(), { SYNCAGENT_ADMIN_PASSWORD: ADMIN_PASSWORD, SYNCAGENT_PASSWORD: "short" });
      expect(await up.code).toBe(2);
      expect(up.err()).toContain("The master password must have 12 to 1024 characters");
      expect(up.err()).not.toContain("short\n");
      expect(existsSync(join(dir, "home-b", "config.json"))).toBe(false);
    });

    it("no terminal and no variables: the server runs alone and says how to finish", async () => {
      const up = startUp(args(), {});
      try {
        await waitFor("the server-alone message", () => up.out().includes("To finish, either:"), 60_000);
        const out = up.out();
        expect(out).toContain("SYNCAGENT_ADMIN_PASSWORD and SYNCAGENT_PASSWORD are not set");
        expect(out).toContain("open the dashboard and create the admin account");
        const dashboard = /dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        expect(dashboard, out).not.toBeNull();
        // The earlier refused run created no admin: the wizard is still needed.
        const setup = (await (await fetch(`${dashboard![1]!}/api/setup`)).json()) as { needed: boolean };
        expect(setup.needed).toBe(true);
        expect(existsSync(join(dir, "home-b", "config.json"))).toBe(false);
        expect(out).not.toContain("Stop with Ctrl-C.");
      } finally {
        up.stop();
      }
      expect(await up.code).toBe(0);
    });
  });
});
