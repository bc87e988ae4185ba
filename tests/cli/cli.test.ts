// The `syncagent` command line, run as a subprocess like a user would:
// help, version, and clear errors with a non-zero exit for bad input.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../lib/version.ts";

const run = promisify(execFile);
const tsx = join(process.cwd(), "node_modules", ".bin", "tsx");
const main = join(process.cwd(), "main.ts");

async function syncagent(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [main, ...args], { env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.concurrent("syncagent CLI", () => {
  it("prints the version", async () => {
    const result = await syncagent("--version");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`syncagent ${VERSION}`);
  });

  it("lists the commands in --help", async () => {
    const result = await syncagent("--help");
    expect(result.code).toBe(0);
    for (const command of ["server", "agent", "register", "init", "sync", "status", "tray", "self-check"]) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
  });

  it("prints a command's own help with its options and variables", async () => {
    const result = await syncagent("agent", "--help");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: syncagent agent/);
    expect(result.stdout).toMatch(/--delay SECONDS/);
    expect(result.stdout).toMatch(/SYNCAGENT_DELAY/);
  });

  it("refuses an unknown command with a clear error and exit code 2", async () => {
    const result = await syncagent("frobnicate");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Unknown command: 'frobnicate'/);
    expect(result.stderr).toMatch(/syncagent --help/);
    expect(result.stdout).toBe("");
  });

  it("refuses an unknown flag with a clear error and exit code 2", async () => {
    const result = await syncagent("agent", "--no-such-flag");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Unknown option: '--no-such-flag'/);
  });

  it("refuses a missing command", async () => {
    const result = await syncagent();
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Missing command/);
  });

  it("runs the crypto and database self-check", async () => {
    const result = await syncagent("self-check", "--json");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; results: { name: string; ok: boolean }[] };
    expect(report.ok).toBe(true);
    expect(report.results.map((r) => r.name)).toEqual(["argon2id key wrap", "aes-256-gcm chunk", "manifest binding", "aes-siv names", "key epochs", "sqlite (libsql)"]);
  });
});
