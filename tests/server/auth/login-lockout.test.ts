/**
 * Login throttling cannot be turned into a lockout (S3): wrong
 * passwords from one client address make that address wait longer and
 * longer (429 meanwhile) for the name, while the admin logging in from
 * another address still succeeds, and from the same address once the wait
 * is over. The clients below
 * really connect from different loopback source addresses (127.0.0.2,
 * 127.0.0.3, …), which the server sees as the socket's remote address.
 */
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from "../../helpers/server.ts";

/** Waits that outlast a test's real-time Argon2id checks, so each refusal below is the throttle's. */
const SLOW = { loginDelayBaseMs: 60_000, loginDelayMaxMs: 60_000 };

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(web: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const server = await startTestServer(web);
  servers.push(server);
  return server;
}

/** POSTs a login from the given local source address; resolves with the status. */
function loginFrom(server: TestServer, localAddress: string, password: string, username = "admin"): Promise<number> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: server.port,
        path: "/api/auth/login",
        method: "POST",
        localAddress,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), origin: server.origin },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** POSTs a login; resolves with the status and the Retry-After seconds. */
function loginWithRetryAfter(server: TestServer, localAddress: string, password: string): Promise<{ status: number; retryAfter: number }> {
  const body = JSON.stringify({ username: "admin", password });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: server.port,
        path: "/api/auth/login",
        method: "POST",
        localAddress,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), origin: server.origin },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers["retry-after"] ?? "0") }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("login throttling without lockout (S3)", () => {
  it("refuses the guessing address (429) but lets the admin in from another address", async () => {
    const server = await start({ web: { loginFailuresPerAccount: 3, loginFailuresPerIp: 100, ...SLOW } });
    for (let i = 0; i < 3; i++) expect(await loginFrom(server, "127.0.0.2", `wrong password ${i}`)).toBe(401);
    expect(await loginFrom(server, "127.0.0.2", "another wrong one")).toBe(429);
    expect(await loginFrom(server, "127.0.0.2", TEST_ADMIN_PASSWORD)).toBe(429);
    expect(await loginFrom(server, "127.0.0.3", TEST_ADMIN_PASSWORD)).toBe(200);
    expect(await loginFrom(server, "127.0.0.1", TEST_ADMIN_PASSWORD)).toBe(200);
    const rows = await server.ctx.db.execute("SELECT key FROM login_throttle WHERE key LIKE 'user-ip:%' ORDER BY key");
    expect(rows.rows.map((r) => r.key)).toEqual(["user-ip:admin@127.0.0.2"]);
  });

  it("limits one address over all names", async () => {
    const server = await start({ web: { loginFailuresPerAccount: 100, loginFailuresPerIp: 3, ...SLOW } });
    for (let i = 0; i < 3; i++) expect(await loginFrom(server, "127.0.0.4", "wrong password!!", `user${i}`)).toBe(401);
    expect(await loginFrom(server, "127.0.0.4", TEST_ADMIN_PASSWORD)).toBe(429);
    expect(await loginFrom(server, "127.0.0.5", TEST_ADMIN_PASSWORD)).toBe(200);
  });

  it("keeps a per-account ceiling against guessing spread over many addresses", async () => {
    const server = await start({ web: { loginFailuresPerAccount: 2, loginFailuresPerIp: 100, loginFailuresPerAccountCeiling: 4, ...SLOW } });
    for (const address of ["127.0.0.6", "127.0.0.7"]) {
      for (let i = 0; i < 2; i++) expect(await loginFrom(server, address, `wrong password ${i}`)).toBe(401);
    }
    expect(await loginFrom(server, "127.0.0.8", TEST_ADMIN_PASSWORD)).toBe(429);
    server.clock.advance(server.ctx.web?.loginWindowMs ?? 15 * 60_000);
    expect(await loginFrom(server, "127.0.0.8", TEST_ADMIN_PASSWORD)).toBe(200);
  });

  it("slows guessing from this machine with doubling waits and lets the right password in once its wait is over", async () => {
    // Waits of 30 s, 60 s, 120 s … so the real time an Argon2id check takes never ends one early.
    const server = await start({ web: { loginDelayBaseMs: 30_000, loginDelayMaxMs: 480_000 } });
    let expected = 30;
    for (let guess = 0; guess < 5; guess++) {
      expect(await loginFrom(server, "127.0.0.1", `wrong password ${guess}`)).toBe(401);
      const refused = await loginWithRetryAfter(server, "127.0.0.1", TEST_ADMIN_PASSWORD);
      expect(refused.status).toBe(429);
      expect(refused.retryAfter).toBeGreaterThan(expected - 5);
      expect(refused.retryAfter).toBeLessThanOrEqual(expected);
      server.clock.advance(expected * 1000);
      expected = Math.min(expected * 2, 480);
    }
    // Five wrong guesses later the owner is in, well before any 15-minute lockout would end.
    expect(await loginFrom(server, "127.0.0.1", TEST_ADMIN_PASSWORD)).toBe(200);
    const rows = await server.ctx.db.execute("SELECT key FROM login_throttle WHERE key LIKE 'user-ip:%'");
    expect(rows.rows).toEqual([]);
  });
});
