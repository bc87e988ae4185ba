// The change feed against the real server (A13, A19): hello on every
// connection, pushed command events and commands, reconnect after a server
// restart, and the end of the feed when the machine is removed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startChangeFeed, type ChangeFeed, type ChangeFeedOptions, type FeedChange, type FeedCommand } from "../../../lib/agent/sources/change-feed.ts";
import type { SocketState } from "../../../lib/agent/sources/live-socket.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { waitFor } from "../../helpers/wait.ts";

interface FeedLog {
  hellos: number[];
  changes: FeedChange[];
  hints: number[];
  commands: FeedCommand[];
  states: SocketState[];
  fatal: string[];
  errors: Error[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function openFeed(serverUrl: string | (() => string), token: string, extra: Partial<ChangeFeedOptions> = {}): { feed: ChangeFeed; log: FeedLog } {
  const log: FeedLog = { hellos: [], changes: [], hints: [], commands: [], states: [], fatal: [], errors: [] };
  const feed = startChangeFeed({
    serverUrl,
    token,
    backoff: { initialMs: 20, maxMs: 200 },
    onHello: (cursor) => log.hellos.push(cursor),
    onChanges: (_cursor, events) => log.changes.push(...events),
    onHint: (cursor) => log.hints.push(cursor),
    onCommand: (command) => log.commands.push(command),
    onState: (state) => log.states.push(state),
    onFatal: (reason) => log.fatal.push(reason),
    onError: (error) => log.errors.push(error),
    ...extra,
  });
  cleanups.push(() => feed.close());
  return { feed, log };
}

async function serverOn(dataDir: string, port?: number): Promise<TestServer> {
  const server = await startTestServer({ dataDir, setup: port === undefined, config: port === undefined ? {} : { port: String(port) } });
  cleanups.push(() => server.close());
  return server;
}

async function issue(server: TestServer, kind: "sync_now" | "pause" | "resume"): Promise<string> {
  const res = await server.adminFetch(`/api/machines/${server.machine.machineId}/commands`, { method: "POST", body: JSON.stringify({ kind }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { commandId: string }).commandId;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "syncagent-feed-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("startChangeFeed", () => {
  it("says hello with the vault's head, then pushes a command and its event", async () => {
    const server = await serverOn(await tempDir());
    const { feed, log } = openFeed(server.url, server.machine.token);
    await waitFor("hello", () => log.hellos.length === 1);
    expect(feed.connected).toBe(true);
    expect(log.states.slice(0, 2)).toEqual(["connecting", "open"]);
    expect(Number.isSafeInteger(log.hellos[0])).toBe(true);

    const commandId = await issue(server, "pause");
    await waitFor("the command", () => log.commands.find((c) => c.commandId === commandId));
    expect(log.commands[0]).toMatchObject({ commandId, kind: "pause" });
    expect(log.commands[0]!.expiresAt).toBeGreaterThan(log.commands[0]!.issuedAt);
    await waitFor("the command event", () => log.changes.find((c) => c.type === "MachineCommandIssued"));
    const event = log.changes.find((c) => c.type === "MachineCommandIssued")!;
    expect(event.seq).toBeGreaterThan(log.hellos[0]!);
    expect(log.errors).toEqual([]);
  });

  it("gets the commands issued while it was away right after hello", async () => {
    const server = await serverOn(await tempDir());
    const first = await issue(server, "sync_now");
    const second = await issue(server, "resume");
    const { log } = openFeed(server.url, server.machine.token);
    await waitFor("both commands", () => log.commands.length >= 2);
    expect(log.hellos).toHaveLength(1);
    expect(log.commands.map((c) => c.commandId)).toEqual([first, second]);
  });

  it("reconnects after the server restarts, with a fresh hello, and keeps receiving", async () => {
    const dataDir = await tempDir();
    const first = await startTestServer({ dataDir });
    const { machine, port } = first;
    let url = first.url;
    const { feed, log } = openFeed(() => url, machine.token);
    await waitFor("hello", () => log.hellos.length === 1);
    await first.close();
    await waitFor("the drop", () => !feed.connected && log.states.includes("closed"));

    const second = await serverOn(dataDir, port);
    url = second.url;
    await waitFor("the second hello", () => log.hellos.length === 2);
    expect(feed.connected).toBe(true);
    // The restarted server has no admin session in memory: log in again to issue a command.
    second.admin = await second.login();
    second.machine = machine;
    const commandId = await issue(second, "sync_now");
    await waitFor("the command after the restart", () => log.commands.some((c) => c.commandId === commandId));
    expect(log.fatal).toEqual([]);
  });

  it("stops for good when the machine is removed (4401) and when its token is refused", async () => {
    const server = await serverOn(await tempDir());
    const { feed, log } = openFeed(server.url, server.machine.token);
    await waitFor("hello", () => log.hellos.length === 1);
    const res = await server.adminFetch(`/api/machines/${server.machine.machineId}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    await waitFor("the fatal close", () => log.fatal.length === 1);
    expect(log.fatal[0]).toMatch(/removed/);
    expect(feed.connected).toBe(false);

    const { log: log2 } = openFeed(server.url, server.machine.token);
    await waitFor("the refusal", () => log2.fatal.length === 1);
    expect(log2.fatal[0]).toMatch(/refused/);
    expect(log2.hellos).toEqual([]);
    // Neither tries again: one connection attempt each.
    expect(log.states.filter((s) => s === "connecting")).toHaveLength(1);
    expect(log2.states.filter((s) => s === "connecting")).toHaveLength(1);
  });

  it("retries a server that is not there yet, without ever failing for good", async () => {
    const dataDir = await tempDir();
    const probe = await startTestServer({ dataDir });
    const { machine, port } = probe;
    await probe.close();
    const { log } = openFeed(`http://127.0.0.1:${port}`, machine.token);
    await waitFor("a few attempts", () => log.states.filter((s) => s === "connecting").length >= 3);
    expect(log.hellos).toEqual([]);
    await serverOn(dataDir, port);
    await waitFor("hello once the server is up", () => log.hellos.length === 1);
    expect(log.fatal).toEqual([]);
  });
});
