/**
 * The server as the release binary runs it: under Bun, served by
 * Bun.serve (lib/runtime/http/bun.ts), checked over real sockets from
 * here (vitest runs on Node): login and the client address, a multi-MiB
 * chunk up and down, a commit pushed on /ws/changes, /ws/events and
 * /ws/dashboard with their auth (and refused without), message size,
 * subprotocol and heartbeat, slow readers of large downloads, the body and
 * idle deadlines, TLS, and shutdown closing sockets with 1001.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { connect as netConnect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { startBunTestServer, type BunTestServer } from "./helpers/bun-server.ts";
import { commitNewFile, pushedCommit } from "./helpers/file-over-http.ts";
import { hexId } from "./helpers/context.ts";
import { closedWithin, connect, refusedStatus } from "./ws/client.ts";
import { firstStatus, openRaw } from "./auth/raw-socket.ts";

const MiB = 1024 * 1024;
let server: BunTestServer;

beforeAll(async () => {
  server = await startBunTestServer({ hub: { heartbeatMs: 300 } });
}, 90_000);
afterAll(async () => {
  expect(await server.stop()).toBe(0);
});

/** The helpers written for the in-process server need only its HTTP side. */
const asTestServer = (s: BunTestServer): TestServer => s as unknown as TestServer;
const sha = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const browser = (s: BunTestServer): Record<string, string> => ({ cookie: s.admin.cookie, origin: s.origin });

async function logLines(s: BunTestServer): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(s.logFile, "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function putChunk(s: BunTestServer, bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const id = hexId();
  const put = await s.machineFetch(`/api/chunks/${id}`, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: bytes });
  expect(put.status).toBe(201);
  return id;
}

describe("the server under Bun", () => {
  it("is served by Bun.serve", () => {
    expect(server.transport).toBe("bun");
  });

  it("logs in, and throttles and logs failed logins by the client's address", async () => {
    const ok = await server.fetch("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.origin },
      body: JSON.stringify({ username: "admin", password: "correct horse battery staple" }),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("set-cookie")).toMatch(/syncagent_session=/);
    const bad = await server.fetch("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.origin },
      body: JSON.stringify({ username: "admin", password: "wrong" }),
    });
    expect(bad.status).toBe(401);
    const line = await waitFor("the failed login's log line", async () => (await logLines(server)).find((l) => l.msg === "login failed"));
    expect(line.address).toBe("127.0.0.1");
  });

  it("takes and gives back a multi-MiB chunk intact", async () => {
    const bytes = new Uint8Array(8 * MiB);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    const id = await putChunk(server, bytes);
    const got = await server.machineFetch(`/api/chunks/${id}`);
    expect(got.status).toBe(200);
    // Bun.serve frames a streamed body as chunked (no Content-Length); a cut stream ends without the last chunk.
    expect(sha(new Uint8Array(await got.arrayBuffer()))).toBe(sha(bytes));
  });

  it("pushes a commit on /ws/changes, with the token in the header or the subprotocol", async () => {
    const byHeader = await connect(server, "/ws/changes", { headers: { authorization: `Bearer ${server.machine.token}` } });
    const byProtocol = await connect(server, "/ws/changes", { protocols: ["syncagent.v1", `bearer.${server.machine.token}`] });
    try {
      await byHeader.waitFor((m) => m.type === "hello");
      await byProtocol.waitFor((m) => m.type === "hello");
      expect(byProtocol.ws.protocol).toBe("syncagent.v1");
      const file = await commitNewFile(asTestServer(server), 4096);
      const { event } = await pushedCommit(byHeader, file.item.nodeId);
      expect(event.seq).toBe(file.result.seq);
      await pushedCommit(byProtocol, file.item.nodeId);
    } finally {
      byHeader.close();
      byProtocol.close();
    }
  });

  it("refuses agent sockets without a valid token", async () => {
    expect(await refusedStatus(server, "/ws/changes")).toBe(401);
    expect(await refusedStatus(server, "/ws/events", { headers: { authorization: "Bearer nope" } })).toBe(401);
    expect(await refusedStatus(server, "/ws/events", { protocols: ["bearer.x", "syncagent.v1"] })).toBe(400);
  });

  it("answers reports on /ws/events and closes on a frame over 64 KiB (1009)", async () => {
    const events = await connect(server, "/ws/events", { headers: { authorization: `Bearer ${server.machine.token}` } });
    events.ws.send("not json");
    expect(await events.waitFor((m) => m.type === "error")).toMatchObject({ error: "invalid_json" });
    events.ws.send("x".repeat(70 * 1024));
    expect((await closedWithin(events, 5000)).code).toBe(1009);
  });

  it("opens /ws/dashboard with the session cookie from our origin only", async () => {
    const dashboard = await connect(server, "/ws/dashboard", { headers: browser(server) });
    try {
      const snapshot = await dashboard.waitFor((m) => m.type === "snapshot");
      expect(snapshot.machines).toEqual(expect.arrayContaining([expect.objectContaining({ id: server.machine.machineId })]));
    } finally {
      dashboard.close();
    }
    expect(await refusedStatus(server, "/ws/dashboard", { headers: { origin: server.origin } })).toBe(401);
    expect(await refusedStatus(server, "/ws/dashboard", { headers: { cookie: server.admin.cookie, origin: "http://evil.example" } })).toBe(403);
  });

  it("pings sockets at the protocol level, keeps those that answer and drops those that do not", async () => {
    const answering = await connect(server, "/ws/changes", { headers: { authorization: `Bearer ${server.machine.token}` } });
    const silent = await connect(server, "/ws/changes", { headers: { authorization: `Bearer ${server.machine.token}` }, autoPong: false });
    let pings = 0;
    answering.ws.on("ping", () => void pings++);
    expect(await closedWithin(silent, 5000)).toMatchObject({ code: 1001, reason: "heartbeat timeout" });
    await waitFor("ten heartbeats", () => pings >= 10, 10_000);
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
    answering.close();
  });

  it("does not buffer large downloads for clients that do not read", async () => {
    const bytes = new Uint8Array(16 * MiB);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    const id = await putChunk(server, bytes);
    await (await server.machineFetch(`/api/chunks/${id}`)).arrayBuffer(); // warm
    const before = server.rss();
    const readers: Socket[] = [];
    const received: number[] = [];
    for (let i = 0; i < 8; i++) {
      const socket = netConnect({ host: "127.0.0.1", port: server.port });
      const n = i;
      received[n] = 0;
      socket.on("data", (d: Buffer) => {
        received[n] = (received[n] ?? 0) + d.length;
        socket.pause(); // one read, then nothing: the server must hold the rest back
      });
      socket.write(`GET /api/chunks/${id} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${server.machine.token}\r\n\r\n`);
      readers.push(socket);
    }
    await waitFor("every download to start", () => received.every((n) => n > 0), 10_000);
    const start = Date.now();
    await waitFor("a second of stalled readers", () => Date.now() - start >= 1_000, 3_000);
    // Eight downloads of 16 MiB each held in memory would be 128 MiB more.
    expect(server.rss() - before).toBeLessThan(48 * MiB);
    const last = readers[7] as Socket;
    last.on("data", () => last.resume());
    last.resume();
    await waitFor("the resumed download to finish", () => (received[7] ?? 0) >= bytes.length, 20_000);
    for (const socket of readers) socket.destroy();
  });
});

describe("connection deadlines under Bun", () => {
  let short: BunTestServer;
  beforeAll(async () => {
    short = await startBunTestServer({ config: { "headers-timeout-ms": "1000", "body-timeout-ms": "1000", "idle-timeout-ms": "1000" } });
  }, 90_000);
  afterAll(async () => {
    expect(await short.stop()).toBe(0);
  });

  it("closes a stalled body and an idle keep-alive connection, keeps a WebSocket open past both", async () => {
    const socket = await connect(short, "/ws/changes", { headers: { authorization: `Bearer ${short.machine.token}` } });
    await socket.waitFor((m) => m.type === "hello");
    let socketClosed = false;
    void socket.closed.then(() => void (socketClosed = true));
    const stalled = await openRaw(short.port);
    stalled.write(`POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${short.port}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"user`);
    const idle = await openRaw(short.port);
    idle.write(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${short.port}\r\n\r\n`);
    await waitFor("the health answer", () => firstStatus(idle.received()) === 200, 5_000);
    await waitFor("the server to close the stalled body", () => stalled.closed(), 15_000);
    await waitFor("the server to close the idle connection", () => idle.closed(), 15_000);
    expect(socketClosed).toBe(false);
    socket.close();
  });

  it("refuses a large body declared without any credential with 413", async () => {
    const conn = await openRaw(short.port);
    conn.write(`POST /api/chunks/batch HTTP/1.1\r\nHost: 127.0.0.1:${short.port}\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n`);
    await waitFor("an answer", () => firstStatus(conn.received()) !== 0, 5_000);
    expect(firstStatus(conn.received())).toBe(413);
    conn.destroy();
  });
});

describe("TLS and shutdown under Bun", () => {
  let dir: string;
  let tls: BunTestServer;
  let cert: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "syncagent-bun-tls-"));
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    cert = await readFile(join(dir, "cert.pem"), "utf8");
    tls = await startBunTestServer(
      { config: { "tls-cert": join(dir, "cert.pem"), "tls-key": join(dir, "key.pem") } },
      { NODE_EXTRA_CA_CERTS: join(dir, "cert.pem") },
    );
  }, 90_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("serves HTTPS and WSS, and on SIGTERM closes sockets with 1001 and exits 0", async () => {
    expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const health = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${tls.url}/api/health`, { ca: cert }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(health.status).toBe(200);
    const open = (path: string, headers: Record<string, string>): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`${tls.url.replace(/^https/, "wss")}${path}`, [], { headers, ca: cert });
        ws.once("open", () => resolve(ws));
        ws.once("error", reject);
      });
    const closeCode = (ws: WebSocket): Promise<number> => new Promise((resolve) => ws.once("close", (code) => resolve(code)));
    const agent = await open("/ws/changes", { authorization: `Bearer ${tls.machine.token}` });
    const dashboard = await open("/ws/dashboard", { cookie: tls.admin.cookie, origin: tls.origin });
    const codes = Promise.all([closeCode(agent), closeCode(dashboard)]);
    expect(await tls.stop()).toBe(0);
    expect(await codes).toEqual([1001, 1001]);
  });
});
