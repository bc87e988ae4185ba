/**
 * `server setup-admin` and `server invite` run in this process through the
 * real command tree (cmd/server-admin.ts, lib/server/load-config.ts),
 * against a real SQLite file in a temp data dir; tests/server/auth/cli.test.ts
 * runs the same commands as subprocesses (S3, W1, W5).
 */
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../../lib/cli/run.ts";
import type { CommandContext } from "../../../lib/cli/command.ts";
import { runSetupAdmin } from "../../../cmd/server-admin.ts";
import { ensureSetupToken } from "../../../lib/server/accounts/setup-token.ts";
import { openDatabase } from "../../../lib/server/db/open.ts";
import { str } from "../../../lib/db/row.ts";
import { rootCommand } from "../../../cmd/root.ts";

const PASSWORD = "correct horse battery staple";
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-commands-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function server(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(rootCommand, ["server", ...args], {
    env: { SYNCAGENT_DATA_DIR: dir, ...env },
    out: (t) => void (out += t),
    err: (t) => void (err += t),
  });
  return { code, out, err };
}

async function query<T>(sql: string, read: (rows: Record<string, unknown>[]) => T): Promise<T> {
  const db = await openDatabase({ url: `file:${join(dir, "syncagent.db")}` });
  try {
    return read((await db.execute(sql)).rows);
  } finally {
    db.close();
  }
}

describe("server setup-admin", () => {
  it("creates the admin from SYNCAGENT_ADMIN_PASSWORD, removes the setup token, and refuses a second admin", async () => {
    const token = join(dir, "setup-token");
    await ensureSetupToken(token);
    const created = await server(["setup-admin", "--username", "Root"], { SYNCAGENT_ADMIN_PASSWORD: PASSWORD });
    expect(created).toMatchObject({ code: 0, err: "" });
    expect(created.out).toBe("Admin 'root' created. Log in to the dashboard with this name and password.\n");
    await expect(stat(token)).rejects.toThrow();
    expect(await query("SELECT username FROM users WHERE is_admin = 1", (rows) => rows.map((r) => str(r.username)))).toEqual(["root"]);
    const again = await server(["setup-admin"], { SYNCAGENT_ADMIN_PASSWORD: PASSWORD });
    expect(again).toEqual({ code: 1, out: "", err: "syncagent server setup-admin: an admin already exists\n" });
  });

  it("reads the password from its reader when the variable is unset", async () => {
    let out = "";
    const ctx: CommandContext = {
      values: { username: "admin", "data-dir": dir },
      positionals: [],
      env: { SYNCAGENT_DATA_DIR: dir },
      out: (t) => void (out += t),
      err: () => undefined,
    };
    expect(await runSetupAdmin(ctx, () => Promise.resolve(PASSWORD))).toBe(0);
    expect(out).toContain("Admin 'admin' created.");
  });

  it("refuses a short password and a bad user name as usage errors (exit 2) before touching the database", async () => {
    const short = await server(["setup-admin"], { SYNCAGENT_ADMIN_PASSWORD: "short" });
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/The password must have \d+ to \d+ characters/);
    const name = await server(["setup-admin", "--username", "no spaces allowed"], { SYNCAGENT_ADMIN_PASSWORD: PASSWORD });
    expect(name.code).toBe(2);
    expect(name.err).toContain("Invalid user name");
    await expect(stat(join(dir, "syncagent.db"))).rejects.toThrow();
  });

  it("explains an unreadable or invalid --config file (exit 1)", async () => {
    const missing = await server(["setup-admin", "--config", join(dir, "absent.json")], { SYNCAGENT_ADMIN_PASSWORD: PASSWORD });
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`Cannot read config file ${join(dir, "absent.json")}`);
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{ not json");
    const invalid = await server(["invite", "--config", bad]);
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain(`Config file ${bad} is not valid JSON`);
  });
});

describe("server invite", () => {
  it("says to create the admin first when there is none", async () => {
    const res = await server(["invite"]);
    expect(res.code).toBe(1);
    expect(res.out).toBe("");
    expect(res.err).toContain("no admin yet; run 'syncagent server setup-admin'");
  });

  it("prints a single-use code alone on stdout and its expiry on stderr, and stores only its hash", async () => {
    expect((await server(["setup-admin"], { SYNCAGENT_ADMIN_PASSWORD: PASSWORD })).code).toBe(0);
    const config = join(dir, "config.json");
    await writeFile(config, JSON.stringify({ logLevel: "warn" }));
    const res = await server(["invite", "--config", config]);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^sai_[A-Za-z0-9_-]{43}\n$/);
    const expiry = /valid until (\S+)\./.exec(res.err)?.[1];
    expect(Date.parse(expiry ?? "") - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const rows = await query("SELECT code_hash, created_by FROM invitations", (r) => r);
    expect(rows).toHaveLength(1);
    expect(str(rows[0]?.created_by)).toBe("cli");
    expect(JSON.stringify(rows)).not.toContain(res.out.trim());
  });
});
