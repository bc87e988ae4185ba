/**
 * A test server in a Bun child process (the runtime of the release
 * binary): the same setup as tests/helpers/server.ts (admin, one machine),
 * run by bun-child.ts, and reached only over real sockets from the test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TestMachine, TestServer, TestServerOptions, TestSession } from "../../helpers/server.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The Bun executable of the project. */
export const BUN = `${ROOT}node_modules/.bin/bun`;

/** What a test reaches of a server in a Bun child. */
export interface BunTestServer extends Pick<TestServer, "url" | "port" | "origin" | "dataDir" | "logFile" | "fetch" | "adminFetch" | "machineFetch"> {
  admin: TestSession;
  machine: TestMachine;
  /** The transport that serves (`bun` expected). */
  transport: string;
  child: ChildProcess;
  /** Resident memory of the child, in bytes (Linux /proc). */
  rss(): number;
  /** Everything the child printed after its first line. */
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts a test server under Bun.
 * @param options Test server options (JSON-serialisable ones: config, hub, web).
 * @param env Extra environment of the child.
 * @returns The server, once listening.
 */
export function startBunTestServer(options: TestServerOptions = {}, env: Record<string, string> = {}): Promise<BunTestServer> {
  const child = spawn(BUN, ["tests/server/helpers/bun-child.ts", JSON.stringify(options)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`Bun server did not start: ${out}`)), 60_000);
    void exited.then((code) => reject(new Error(`Bun server exited (${code}) before listening: ${out}`)));
    const onData = (): void => {
      const newline = out.indexOf("\n");
      if (newline < 0) return;
      clearTimeout(deadline);
      child.stdout.off("data", onData);
      const info = JSON.parse(out.slice(0, newline)) as Pick<BunTestServer, "url" | "port" | "origin" | "dataDir" | "logFile" | "admin" | "machine" | "transport">;
      const first = newline + 1;
      const server: BunTestServer = {
        ...info,
        child,
        fetch: (path, init) => fetch(info.url + path, init),
        adminFetch(path, init = {}, session = info.admin) {
          const headers = new Headers(init.headers);
          if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
          headers.set("cookie", session.cookie);
          headers.set("x-csrf-token", session.csrfToken);
          headers.set("origin", info.origin);
          return fetch(info.url + path, { ...init, headers });
        },
        machineFetch(path, init = {}, token = info.machine.token) {
          const headers = new Headers(init.headers);
          if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
          headers.set("authorization", `Bearer ${token}`);
          return fetch(info.url + path, { ...init, headers });
        },
        rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0) * 1024,
        output: () => out.slice(first),
        stop: () => {
          child.kill("SIGTERM");
          return exited;
        },
      };
      resolve(server);
    };
    child.stdout.on("data", onData);
  });
}
