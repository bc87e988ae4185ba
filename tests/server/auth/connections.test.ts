/**
 * Connection hardening over raw sockets (S1, S3): headers, body
 * and idle deadlines close the connection; a credential-less request cannot
 * declare a large body; a client that aborts is one info line in the log,
 * not a 500 with a stack trace; two Host headers or an absolute-form target
 * naming another host are 400.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { waitFor } from "../../helpers/wait.ts";
import { firstStatus, openRaw } from "./raw-socket.ts";
import { connect } from "../ws/client.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    config: { "headers-timeout-ms": "300", "body-timeout-ms": "300", "idle-timeout-ms": "300", "upload-timeout-ms": "5000" },
  });
});
afterAll(async () => {
  await server.close();
});

const host = (): string => `127.0.0.1:${server.port}`;

async function logLines(): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(server.logFile, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("connection deadlines", () => {
  it("closes a connection that sends nothing", async () => {
    const conn = await openRaw(server.port);
    await waitFor("the server to close a silent connection", () => conn.closed(), 3_000);
  });

  it("closes a connection whose headers never complete", async () => {
    const conn = await openRaw(server.port);
    conn.write(`GET /api/health HTTP/1.1\r\nHost: ${host()}\r\n`);
    await waitFor("the server to close a connection with unfinished headers", () => conn.closed(), 3_000);
  });

  it("closes an unauthenticated request whose body never completes", async () => {
    const conn = await openRaw(server.port);
    conn.write(`POST /api/auth/login HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"user`);
    await waitFor("the server to close a connection with an unfinished body", () => conn.closed(), 3_000);
  });

  it("closes an idle keep-alive connection after its answer", async () => {
    const conn = await openRaw(server.port);
    conn.write(`GET /api/health HTTP/1.1\r\nHost: ${host()}\r\nConnection: keep-alive\r\n\r\n`);
    await waitFor("the health answer", () => firstStatus(conn.received()) === 200, 3_000);
    await waitFor("the server to close the idle connection", () => conn.closed(), 2_000);
  });

  it("gives chunk uploads the longer upload deadline", async () => {
    const conn = await openRaw(server.port);
    conn.write(
      `PUT /api/chunks/${"a".repeat(64)} HTTP/1.1\r\nHost: ${host()}\r\nAuthorization: Bearer ${server.machine.token}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\nxx`,
    );
    // A login body with the same gap is cut after 300 ms (above); the upload is still open after twice that.
    const start = Date.now();
    await waitFor("600 ms to pass", () => Date.now() - start >= 600, 2_000);
    expect(conn.closed()).toBe(false);
    conn.destroy();
  });

  it("refuses a large body declared without any credential with 413 before any route", async () => {
    const conn = await openRaw(server.port);
    conn.write(`POST /api/chunks/batch HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n`);
    await waitFor("an answer", () => firstStatus(conn.received()) !== 0, 3_000);
    expect(firstStatus(conn.received())).toBe(413);
    conn.destroy();
  });
});

describe("deadlines and WebSockets (A13)", () => {
  it("keeps an open WebSocket past every connection deadline", async () => {
    // Every deadline short, the whole-request bound included (upload + headers = 600 ms).
    const short = await startTestServer({
      config: { "headers-timeout-ms": "300", "body-timeout-ms": "300", "idle-timeout-ms": "300", "upload-timeout-ms": "300" },
    });
    try {
      const socket = await connect(short, "/ws/changes", { headers: { authorization: `Bearer ${short.machine.token}` } });
      await socket.waitFor((m) => m.type === "hello");
      let closed = false;
      void socket.closed.then(() => void (closed = true));
      const start = Date.now();
      await waitFor("three times the longest deadline to pass", () => Date.now() - start >= 1_800, 3_000);
      expect(closed).toBe(false);
      socket.close();
    } finally {
      await short.close();
    }
  });
});

describe("aborted requests (S9)", () => {
  it("logs a client that aborts mid-body as one info line, not an error", async () => {
    const conn = await openRaw(server.port);
    const requestId = "aborted-request-1";
    conn.write(
      `POST /api/auth/login HTTP/1.1\r\nHost: ${host()}\r\nX-Request-Id: ${requestId}\r\nContent-Type: application/json\r\n` +
        `Content-Length: 200\r\n\r\n{"username":"admin",`,
    );
    // Give the request time to reach the route, then vanish.
    const start = Date.now();
    await waitFor("the request to be under way", () => Date.now() - start >= 50, 1_000);
    conn.destroy();
    const mine = await waitFor("the aborted request's log line", async () => {
      const lines = (await logLines()).filter((l) => l.requestId === requestId);
      return lines.some((l) => l.aborted === true) ? lines : null;
    });
    expect(mine).toHaveLength(1);
    expect(mine[0]?.level).toBe(30);
    const all = await logLines();
    expect(all.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});

describe("Host header forms (DNS rebinding)", () => {
  it("refuses two Host headers with 400", async () => {
    const conn = await openRaw(server.port);
    conn.write(`GET /api/health HTTP/1.1\r\nHost: ${host()}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
    await waitFor("an answer", () => firstStatus(conn.received()) !== 0, 3_000);
    expect(firstStatus(conn.received())).toBe(400);
  });

  it("refuses an absolute-form target naming another host with 400, and serves one naming this host", async () => {
    const foreign = await openRaw(server.port);
    foreign.write(`GET http://evil.example/api/health HTTP/1.1\r\nHost: ${host()}\r\nConnection: close\r\n\r\n`);
    await waitFor("an answer", () => firstStatus(foreign.received()) !== 0, 3_000);
    expect(firstStatus(foreign.received())).toBe(400);
    const own = await openRaw(server.port);
    own.write(`GET http://${host()}/api/health HTTP/1.1\r\nHost: ${host()}\r\nConnection: close\r\n\r\n`);
    await waitFor("an answer", () => firstStatus(own.received()) !== 0, 3_000);
    expect(firstStatus(own.received())).toBe(200);
  });
});
