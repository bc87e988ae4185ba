// The same sources run the server on Node, Bun and Deno (DESIGN.md §1):
// each starts with embedded defaults in a temp folder and answers its
// health check and a first-run setup status over real HTTP.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const bin = join(process.cwd(), "node_modules", ".bin");
const main = join(process.cwd(), "main.ts");
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function startServer(command: string, args: string[]): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const dataDir = await mkdtemp(join(tmpdir(), "syncagent-runtime-"));
  dirs.push(dataDir);
  const child = spawn(command, [...args, main, "server", "--port", "0", "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 45_000;
  let url: string | undefined;
  while (!url) {
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    if (url) break;
    if (child.exitCode !== null) throw new Error(`server exited early: ${output}`);
    if (Date.now() > deadline) throw new Error(`server did not start in time: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

describe.concurrent.each([
  ["node", join(bin, "tsx"), []],
  ["bun", join(bin, "bun"), ["run"]],
  ["deno", join(bin, "deno"), ["run", "-A", "--quiet"]],
] as const)("server on %s", (_name, command, args) => {
  it("starts, answers health and setup status, and stops on SIGTERM", async () => {
    const server = await startServer(command, [...args]);
    try {
      const health = await fetch(`${server.url}/api/health`);
      expect(health.status).toBe(200);
      const setup = await fetch(`${server.url}/api/setup`);
      expect(setup.status).toBe(200);
      expect(await setup.json()).toMatchObject({ needed: true });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
