/**
 * `syncagent server` as a user runs it: a child process that prints where
 * it listens and stores, answers health, stops on SIGTERM; the maintenance
 * sub-commands on the same data dir.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.ts";
import { serverOptions } from "../../cmd/server-options.ts";
import { runCli, spawnServer } from "./helpers/spawn.ts";

/** Where the server resolves its settings, including the variables that have no flag. */
const CONFIG_SOURCE = fileURLToPath(new URL("../../lib/server/config.ts", import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-cli-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe("syncagent server", () => {
  it("starts with defaults under the data dir, prints them, and stops on SIGTERM", async () => {
    const config = join(dir, "config.json");
    await writeFile(config, JSON.stringify({ trashRetentionDays: 7, logLevel: "warn" }));
    const server = await spawnServer(["--port", "0", "--config", config], { SYNCAGENT_DATA_DIR: dir });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const out = server.output();
      expect(out).toContain(`Metadata:  ${join(dir, "syncagent.db")}`);
      expect(out).toContain(join(dir, "chunks"));
      expect(out).toContain(`Logs:      ${join(dir, "logs/server.log")}`);
      // No admin yet: it says what to do next.
      expect(await waitFor("the next-step hint", () => server.output().includes("Next:"), 10_000)).toBe(true);
      expect(server.output()).toMatch(/create the admin account,\s+or run 'syncagent server setup-admin'/);
      const health = await fetch(`${server.url}/api/health`);
      expect(await health.json()).toMatchObject({ ok: true });
    } finally {
      server.child.kill("SIGTERM");
    }
    expect(await server.exited).toBe(0);
  });

  it("runs check, purge-trash, rebuild-projections and clean-log on the data dir", async () => {
    const env = { SYNCAGENT_DATA_DIR: dir };
    const check = await runCli(["server", "check", "--deep"], env);
    expect(check.stdout).toMatch(/^OK: /);
    expect(check.code).toBe(0);
    const purge = await runCli(["server", "purge-trash", "--older-than-days", "3"], env);
    expect(purge.stdout).toMatch(/Purged 0 trash entries older than 3 days/);
    const rebuild = await runCli(["server", "rebuild-projections"], env);
    expect(rebuild.code).toBe(0);
    const clean = await runCli(["server", "clean-log"], env);
    expect(clean.stdout).toMatch(/older than 30 days/);
    const bad = await runCli(["server", "purge-trash", "--older-than-days", "soon"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid --older-than-days/);
  });

  it("lists every option with its environment variable in --help", async () => {
    const specs = Object.entries(serverOptions);
    expect(specs.length, "cmd/server-options.ts declares no option").toBeGreaterThan(0);
    const help = await runCli(["server", "--help"]);
    expect(help.code).toBe(0);
    const lines = help.stdout.split("\n");
    for (const [name, spec] of specs) {
      expect(spec.env, `--${name} has no environment variable`).toMatch(/^SYNCAGENT_[A-Z0-9_]+$/);
      const line = lines.find((l) => new RegExp(`^\\s+(?:-\\w, )?--${name}(\\s|$)`).test(l));
      expect(line, `--${name} is missing from --help`).toBeDefined();
      expect(line, `--${name} does not name its variable`).toContain(`[env ${spec.env}]`);
    }
    // Every variable the config code names, those without a flag (secrets) included, is in the help too.
    const configSource = await readFile(CONFIG_SOURCE, "utf8");
    const named = [...new Set(configSource.match(/\bSYNCAGENT_[A-Z0-9_]+/g) ?? [])];
    expect(named).toContain("SYNCAGENT_DATABASE_AUTH_TOKEN");
    for (const variable of named) expect(help.stdout, `${variable} is missing from --help`).toContain(variable);
    expect(help.stdout).toContain("purge-trash");
  });

  it("explains an unusable setting", async () => {
    const res = await runCli(["server", "--port", "99999"], { SYNCAGENT_DATA_DIR: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/Invalid port: '99999'/);
  });
});
