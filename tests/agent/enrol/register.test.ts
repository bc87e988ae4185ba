// Registration against the real server: retry-safe with a persisted opId,
// home files written with private modes, bad input refused before anything
// is sent.
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetworkError } from "../../../lib/agent/client/http.ts";
import { readAgentConfig } from "../../../lib/agent/home/config.ts";
import { homePaths } from "../../../lib/agent/home/paths.ts";
import { registerHome } from "../../../lib/agent/home/register-home.ts";
import { readMachineToken } from "../../../lib/agent/home/token.ts";
import { checkMachineName, defaultMachineName } from "../../../lib/agent/home/machine-name.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { invite, runAgentCli, scratch, type Scratch } from "../keys/cli-harness.ts";

let server: TestServer;
let dirs: Scratch;

beforeAll(async () => {
  server = await startTestServer();
  dirs = await scratch();
});
afterAll(async () => {
  await server.close();
  await dirs.cleanup();
});

/** A fetch that delivers the request but loses the answer, `times` times. */
function losingAnswers(times: number): { fetch: typeof fetch; bodies: string[] } {
  let left = times;
  const bodies: string[] = [];
  return {
    bodies,
    fetch: async (input, init) => {
      bodies.push(typeof init?.body === "string" ? init.body : "");
      const res = await fetch(input, init);
      if (left-- > 0) {
        await res.body?.cancel();
        throw new TypeError("fetch failed");
      }
      return res;
    },
  };
}

describe("registerHome", () => {
  it("retries a lost answer with the same opId and keeps the working token", async () => {
    const paths = homePaths(dirs.home("retry"));
    const lossy = losingAnswers(1);
    const config = await registerHome({
      paths,
      serverUrl: server.url + "/",
      invitation: await invite(server),
      name: "  retry box ",
      syncFolder: dirs.folder("retry"),
      fetch: lossy.fetch,
      retryDelaysMs: [0],
    });
    expect(lossy.bodies).toHaveLength(2);
    const opIds = lossy.bodies.map((b) => (JSON.parse(b) as { opId: string }).opId);
    expect(opIds[0]).toBe(opIds[1]);
    expect(config).toMatchObject({ serverUrl: server.url, machineName: "retry box", keyStore: "keyring" });
    expect(config.fingerprint).toBeUndefined();
    expect(await readAgentConfig(paths.config)).toEqual(config);
    const token = await readMachineToken(paths);
    expect((await server.machineFetch("/api/vault/key", {}, token)).status).toBe(404); // authenticated: 404, not 401
    expect((await stat(paths.token)).mode & 0o777).toBe(0o600);
    expect((await stat(dirs.folder("retry"))).mode & 0o777).toBe(0o700);
    expect(existsSync(join(paths.root, "register-op.json"))).toBe(false);
  });

  it("resumes after a crash: a rerun reuses the persisted opId", async () => {
    const paths = homePaths(dirs.home("crash"));
    const code = await invite(server);
    const lossy = losingAnswers(1);
    const options = { paths, serverUrl: server.url, invitation: code, name: "crash box", syncFolder: dirs.folder("crash") };
    await expect(registerHome({ ...options, fetch: lossy.fetch, retryDelaysMs: [] })).rejects.toBeInstanceOf(NetworkError);
    const op = JSON.parse(await readFile(join(paths.root, "register-op.json"), "utf8")) as { opId: string; invitation: string };
    expect(op.invitation).not.toContain(code); // only a digest of the invitation is kept
    expect(existsSync(paths.config)).toBe(false);

    const again = losingAnswers(0);
    const config = await registerHome({ ...options, fetch: again.fetch });
    expect((JSON.parse(again.bodies[0] ?? "{}") as { opId: string }).opId).toBe(op.opId);
    expect(config.machineName).toBe("crash box");
    const token = await readMachineToken(paths);
    expect((await server.machineFetch("/api/vault/key", {}, token)).status).toBe(404);
  });

  it("refuses a second registration of a home, and a used invitation", async () => {
    const paths = homePaths(dirs.home("twice"));
    const code = await invite(server);
    await registerHome({ paths, serverUrl: server.url, invitation: code, name: "twice", syncFolder: dirs.folder("twice") });
    await expect(registerHome({ paths, serverUrl: server.url, invitation: await invite(server), name: "x", syncFolder: dirs.folder("twice") })).rejects.toThrow(
      /already registered as 'twice'/,
    );
    const other = await runAgentCli(["register", "--home", dirs.home("used"), "--server", server.url, "--invite", code, "--sync-folder", dirs.folder("used")]);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/invitation_used/);
    expect(other.err).not.toContain(code);
    expect(existsSync(homePaths(dirs.home("used")).config)).toBe(false);
  });

  it("refuses a sync folder inside the home or holding it, a bad URL and a bad name, sending nothing", async () => {
    const home = dirs.home("bad");
    const code = await invite(server);
    const base = { paths: homePaths(home), serverUrl: server.url, invitation: code, name: "bad" };
    await expect(registerHome({ ...base, syncFolder: join(home, "inside") })).rejects.toThrow(/inside the agent home/);
    await expect(registerHome({ ...base, syncFolder: dirs.dir })).rejects.toThrow(/holds the agent home/);
    await expect(registerHome({ ...base, serverUrl: "ftp://x", syncFolder: dirs.folder("bad") })).rejects.toThrow(/Not a server URL/);
    await expect(registerHome({ ...base, name: "evil\u202ename", syncFolder: dirs.folder("bad") })).rejects.toThrow(/text-direction/);
    await expect(registerHome({ ...base, name: "line\n", syncFolder: dirs.folder("bad") })).rejects.toThrow(/control/);
    // The invitation is still unused.
    const config = await registerHome({ ...base, syncFolder: dirs.folder("bad") });
    expect(config.machineName).toBe("bad");
  });
});

describe("machine names", () => {
  it("derives a valid default from the host name", () => {
    expect(defaultMachineName("  host\u0007name  ")).toBe("hostname");
    expect([...defaultMachineName("é".repeat(100))]).toHaveLength(64);
    expect(defaultMachineName("\u202e\u202e")).toBe("machine");
    expect(checkMachineName(defaultMachineName("x".repeat(80)))).toHaveLength(64);
    expect(() => checkMachineName("   ")).toThrow(/empty/);
  });
});
