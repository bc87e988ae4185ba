/**
 * Two real server processes on one SQLite file and one chunk folder: this
 * test's in-process server A and a `syncagent server` subprocess B. Commits
 * through either reach WebSocket subscribers of the other (the hub tails the
 * event table), and removing a machine through A closes its socket on B
 * (A13, S10, C8; DESIGN §3).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { commitNewFile, pushedCommit } from "../helpers/file-over-http.ts";
import { closedWithin, connect, machineHeaders, refusedStatus, type ServerAddress } from "./client.ts";
import { sharedDatabaseEnv } from "../../helpers/pg-schema.ts";

const root = join(import.meta.dirname, "../../..");
let a: TestServer;
let child: ChildProcess | undefined;
let b: ServerAddress;

async function startSubprocess(dataDir: string): Promise<{ proc: ChildProcess; url: string }> {
  const shared = await sharedDatabaseEnv(dataDir);
  const proc = spawn(process.execPath, ["--import", "tsx", join(root, "main.ts"), "server", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", "0"], {
    cwd: root,
    env: { ...process.env, ...shared, SYNCAGENT_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`Server B did not start: ${out} ${err}`)), 20_000);
    proc.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ proc, url: match[1] });
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Server B exited with ${code}: ${err}`));
    });
  });
}

beforeAll(async () => {
  a = await startTestServer();
  const started = await startSubprocess(a.dataDir);
  child = started.proc;
  b = { url: started.url };
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  await a.close();
});

describe("two server processes sharing one database", () => {
  it("pushes a commit made through A to a subscriber of process B, and back", async () => {
    const onB = await connect(b, "/ws/changes", { headers: machineHeaders(a.machine.token) });
    const onA = await connect(a, "/ws/changes", { headers: machineHeaders(a.machine.token) });
    await onB.waitFor((m) => m.type === "hello");
    await onA.waitFor((m) => m.type === "hello");
    expect((await a.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: "AAAA", version: 0 }) })).status).toBe(200);
    const hasKeyVersion = (version: number) => (m: Record<string, unknown>) =>
      m.type === "changes" && (m.events as { type: string; payload: { version?: number } }[]).some((e) => e.type === "VaultKeyUpdated" && e.payload.version === version);
    await onB.waitFor(hasKeyVersion(1), 3000);
    const viaB = await fetch(`${b.url}/api/vault/key`, {
      method: "PUT",
      headers: { authorization: `Bearer ${a.machine.token}`, "content-type": "application/json" },
      body: JSON.stringify({ blob: "BBBB", version: 1 }),
    });
    expect(viaB.status).toBe(200);
    await onA.waitFor(hasKeyVersion(2), 3000);
    onA.close();
    onB.close();
  });

  it("pushes a file committed through A to a subscriber of process B, which serves its chunk", async () => {
    const onB = await connect(b, "/ws/changes", { headers: machineHeaders(a.machine.token) });
    await onB.waitFor((m) => m.type === "hello");
    const { chunkId, bytes, item, result } = await commitNewFile(a, 5000);
    const { nodeId } = item;
    const { event } = await pushedCommit(onB, nodeId);
    expect(event).toMatchObject({ seq: result.seq, payload: { nodeId, version: 1, chunks: [chunkId], size: 5000 } });

    const got = await fetch(`${b.url}/api/chunks/${chunkId}`, { headers: machineHeaders(a.machine.token) });
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
    onB.close();
  });

  it("closes a machine's socket on process B when A removes the machine", async () => {
    const victim = await a.registerMachine("stolen");
    const onB = await connect(b, "/ws/changes", { headers: machineHeaders(victim.token) });
    await onB.waitFor((m) => m.type === "hello");
    expect((await a.adminFetch(`/api/machines/${victim.machineId}`, { method: "DELETE" })).status).toBe(204);
    expect((await closedWithin(onB, 2000)).code).toBe(4401);
    expect(await refusedStatus(b, "/ws/changes", { headers: machineHeaders(victim.token) })).toBe(401);
  });
});
