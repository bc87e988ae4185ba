/**
 * `syncagent server setup-admin` and `syncagent server invite` run as real
 * subprocesses against a data dir, then a real server uses what they made
 * (S3, W1, W5).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { sharedDatabaseEnv } from "../../helpers/pg-schema.ts";

const root = join(import.meta.dirname, "../../..");
let dataDir = "";
let server: TestServer | undefined;

afterAll(async () => {
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function run(args: string[], stdin: string, extra: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const at = args.indexOf("--data-dir");
  const env = { ...(at >= 0 ? await sharedDatabaseEnv(args[at + 1] as string) : {}), ...extra };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "main.ts"), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
    child.stdin.end(stdin);
  });
}

describe("server setup-admin and invite", () => {
  it("creates the admin from stdin, refuses a second one, prints an invitation a machine can use", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "syncagent-cli-"));
    const created = await run(["server", "setup-admin", "--data-dir", dataDir, "--username", "root"], "a long enough password\n");
    expect(created.err).toBe("");
    expect(created.code).toBe(0);
    const again = await run(["server", "setup-admin", "--data-dir", dataDir], "", { SYNCAGENT_ADMIN_PASSWORD: "another long password" });
    expect(again.code).toBe(1);
    expect(again.err).toContain("already exists");
    const invited = await run(["server", "invite", "--data-dir", dataDir], "");
    expect(invited.code).toBe(0);
    const code = invited.out.trim();
    expect(code).toMatch(/^sai_[A-Za-z0-9_-]{43}$/);

    server = await startTestServer({ dataDir, setup: false });
    expect((await server.login("root", "a long enough password")).csrfToken).not.toBe("");
    const reg = await server.fetch("/api/machines/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ invitation: code, name: "scripted", platform: "linux" }),
    });
    expect(reg.status).toBe(201);
  });

  it("refuses a short password", async () => {
    const dir = await mkdtemp(join(tmpdir(), "syncagent-cli-"));
    try {
      const res = await run(["server", "setup-admin", "--data-dir", dir], "short\n");
      expect(res.code).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
