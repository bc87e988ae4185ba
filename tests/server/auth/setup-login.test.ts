/**
 * Setup wizard API, login, logout, cookies, idle timeout and login
 * throttling against a real server on loopback (S3, W1).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from "../../helpers/server.ts";
import { str } from "../../../lib/db/row.ts";
import { race, startCluster } from "../helpers/cluster.ts";

/** Waits that outlast a test's real-time Argon2id checks, so each refusal below is the throttle's. */
const SLOW = { loginDelayBaseMs: 60_000, loginDelayMaxMs: 60_000 };

const servers: TestServer[] = [];
async function start(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
  const server = await startTestServer(...args);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function post(server: TestServer, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return server.fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.origin, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("first-run setup (S3, W1)", () => {
  it("creates the admin once, then answers 409", async () => {
    const server = await start({ setup: false });
    expect(await (await server.fetch("/api/setup")).json()).toEqual({ needed: true, setupTokenRequired: false });
    const first = await post(server, "/api/setup", { username: "Admin", password: TEST_ADMIN_PASSWORD });
    expect(first.status).toBe(201);
    expect(first.headers.get("set-cookie")).toMatch(/^syncagent_session=/);
    expect(await (await server.fetch("/api/setup")).json()).toEqual({ needed: false, setupTokenRequired: false });
    const second = await post(server, "/api/setup", { username: "other", password: TEST_ADMIN_PASSWORD });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe("already_set_up");
    const events = await server.ctx.db.execute("SELECT type, payload FROM events WHERE type = 'AdminCreated'");
    expect(events.rows).toHaveLength(1);
    expect(str(events.rows[0]?.payload)).not.toContain(TEST_ADMIN_PASSWORD);
  });

  it("lets exactly one of several parallel setups win, across three server processes on one database", async () => {
    const cluster = await startCluster(3);
    try {
      const results = await race(cluster.servers, 9, (url, i) =>
        fetch(`${url}/api/setup`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: url },
          body: JSON.stringify({ username: `admin${i}`, password: TEST_ADMIN_PASSWORD }),
        }),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409]);
      for (const res of results.filter((r) => r.status === 409)) {
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("already_set_up");
      }
      const db = await cluster.openDb();
      try {
        expect(Number((await db.execute("SELECT count(*) AS n FROM users WHERE is_admin = 1")).rows[0]?.n)).toBe(1);
        expect(Number((await db.execute("SELECT count(*) AS n FROM accounts")).rows[0]?.n)).toBe(1);
        expect(Number((await db.execute("SELECT count(*) AS n FROM events WHERE type = 'AdminCreated'")).rows[0]?.n)).toBe(1);
      } finally {
        db.close();
      }
      for (const server of cluster.servers) {
        expect(await (await fetch(`${server.url}/api/setup`)).json()).toEqual({ needed: false, setupTokenRequired: false });
      }
    } finally {
      await cluster.stop();
    }
  });

  it("refuses malformed JSON (400), a short password (422) and a foreign Origin (403)", async () => {
    const server = await start({ setup: false });
    expect((await post(server, "/api/setup", "{not json")).status).toBe(400);
    expect((await post(server, "/api/setup", { username: "admin", password: "short" })).status).toBe(422);
    expect((await post(server, "/api/setup", { username: "admin", password: TEST_ADMIN_PASSWORD }, { origin: "https://evil.example" })).status).toBe(403);
    expect(await (await server.fetch("/api/setup")).json()).toEqual({ needed: true, setupTokenRequired: false });
  });

  it("needs the setup token from the data folder when listening beyond loopback", async () => {
    const server = await start({ setup: false, config: { host: "0.0.0.0" } });
    const info = (await (await server.fetch("/api/setup")).json()) as { needed: boolean; setupTokenRequired: boolean; setupTokenFile: string };
    expect(info).toMatchObject({ needed: true, setupTokenRequired: true });
    expect(info.setupTokenFile).toBe(join(server.dataDir, "setup-token"));
    expect((await stat(info.setupTokenFile)).mode & 0o777).toBe(0o600);
    const token = (await readFile(info.setupTokenFile, "utf8")).trim();
    const body = { username: "admin", password: TEST_ADMIN_PASSWORD };
    const missing = await post(server, "/api/setup", body);
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("setup_token_required");
    expect((await post(server, "/api/setup", { ...body, setupToken: token.slice(0, -1) + "x" })).status).toBe(403);
    expect((await post(server, "/api/setup", { ...body, setupToken: token })).status).toBe(201);
    await expect(stat(info.setupTokenFile)).rejects.toThrow();
    expect(await (await server.fetch("/api/setup")).json()).toEqual({ needed: false, setupTokenRequired: false });
  });

  it("stores the password as Argon2id with m >= 64 MiB and t >= 3", async () => {
    const server = await start();
    const row = await server.ctx.db.execute("SELECT password_hash FROM users");
    expect(str(row.rows[0]?.password_hash)).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=1\$/);
  });
});

describe("login and sessions (S3, W1)", () => {
  it("issues an HttpOnly SameSite=Strict cookie with a new id at every login", async () => {
    const server = await start();
    const res = await post(server, "/api/auth/login", { username: "admin", password: TEST_ADMIN_PASSWORD });
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^syncagent_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).not.toContain("Secure");
    expect(cookie).not.toContain("Domain");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { csrfToken: string; user: { username: string; isAdmin: boolean } };
    expect(body.user).toMatchObject({ username: "admin", isAdmin: true });
    const again = await server.login();
    expect(again.cookie).not.toBe(cookie.split(";")[0]);
    expect(again.csrfToken).not.toBe(body.csrfToken);
  });

  it("stores sessions hashed and rotates the presented session at login", async () => {
    const server = await start();
    const old = server.admin;
    const res = await post(server, "/api/auth/login", { username: "admin", password: TEST_ADMIN_PASSWORD }, { cookie: old.cookie });
    expect(res.status).toBe(200);
    expect((await server.adminFetch("/api/auth/session", {}, old)).status).toBe(401);
    const rows = await server.ctx.db.execute("SELECT id_hash FROM sessions");
    const newId = (res.headers.get("set-cookie") ?? "").split(";")[0]?.split("=")[1] ?? "";
    expect(rows.rows.map((r) => str(r.id_hash))).not.toContain(newId);
    expect(rows.rows.every((r) => /^[0-9a-f]{64}$/.test(str(r.id_hash)))).toBe(true);
  });

  it("uses a __Host- Secure cookie when the public URL is https, and accepts that Origin", async () => {
    const server = await start({ setup: false, config: { "public-url": "https://sync.example.test" } });
    const foreign = await post(server, "/api/setup", { username: "admin", password: TEST_ADMIN_PASSWORD }, { origin: server.origin });
    expect(foreign.status).toBe(403);
    const res = await post(server, "/api/setup", { username: "admin", password: TEST_ADMIN_PASSWORD }, { origin: "https://sync.example.test" });
    expect(res.status).toBe(201);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^__Host-syncagent_session=/);
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("Path=/");
    expect(cookie).not.toContain("Domain");
  });

  it("refuses wrong passwords and unknown users with the same 401", async () => {
    const server = await start();
    const wrong = await post(server, "/api/auth/login", { username: "admin", password: "wrong password!!" });
    const unknown = await post(server, "/api/auth/login", { username: "nobody", password: "wrong password!!" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("invalid_credentials");
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("invalid_credentials");
    expect((await post(server, "/api/auth/login", "nope")).status).toBe(400);
    expect((await post(server, "/api/auth/login", { username: 5 })).status).toBe(422);
    expect((await post(server, "/api/auth/login", { username: "admin", password: "x".repeat(100_000) })).status).toBe(413);
  });

  it("logs out on the server: the old cookie stops working", async () => {
    const server = await start();
    const session = await server.login();
    expect((await server.adminFetch("/api/auth/session", {}, session)).status).toBe(200);
    const noCsrf = await server.fetch("/api/auth/logout", { method: "POST", headers: { cookie: session.cookie, origin: server.origin } });
    expect(noCsrf.status).toBe(403);
    const out = await server.adminFetch("/api/auth/logout", { method: "POST" }, session);
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await server.adminFetch("/api/auth/session", {}, session)).status).toBe(401);
  });

  it("ends a session after the idle timeout", async () => {
    const server = await start({ web: { sessionIdleMs: 60_000 } });
    expect((await server.adminFetch("/api/auth/session")).status).toBe(200);
    server.clock.advance(61_000);
    expect((await server.adminFetch("/api/auth/session")).status).toBe(401);
  });

  it("ends a session at its absolute lifetime even when active", async () => {
    const server = await start({ web: { sessionMaxMs: 100_000, sessionIdleMs: 60_000 } });
    for (let i = 0; i < 2; i++) {
      server.clock.advance(40_000);
      expect((await server.adminFetch("/api/auth/session")).status).toBe(200);
    }
    server.clock.advance(30_000);
    expect((await server.adminFetch("/api/auth/session")).status).toBe(401);
  });
});

describe("login throttling (S3)", () => {
  it("answers 429 per account after the limit, even to the right password, until the window ends", async () => {
    const server = await start({ web: { loginFailuresPerAccount: 3, loginFailuresPerIp: 100, ...SLOW } });
    for (let i = 0; i < 3; i++) {
      expect((await post(server, "/api/auth/login", { username: "admin", password: `wrong password ${i}` })).status).toBe(401);
    }
    const blocked = await post(server, "/api/auth/login", { username: "admin", password: TEST_ADMIN_PASSWORD });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    const rows = await server.ctx.db.execute("SELECT key, failures FROM login_throttle WHERE key = 'user:admin'");
    expect(Number(rows.rows[0]?.failures)).toBe(3);
    server.clock.advance(server.ctx.web?.loginWindowMs ?? 15 * 60_000);
    expect((await post(server, "/api/auth/login", { username: "admin", password: TEST_ADMIN_PASSWORD })).status).toBe(200);
  });

  it("counts parallel guesses before checking them, so none slips past the limit", async () => {
    const server = await start({ web: { loginFailuresPerAccount: 3, loginFailuresPerIp: 100, ...SLOW } });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post(server, "/api/auth/login", { username: "admin", password: `parallel guess ${i}` })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  it("gives a successful login's attempt back", async () => {
    const server = await start({ web: { loginFailuresPerAccount: 2, loginFailuresPerIp: 2, ...SLOW } });
    for (let i = 0; i < 4; i++) await server.login();
    expect((await post(server, "/api/auth/login", { username: "admin", password: "wrong password!!" })).status).toBe(401);
    expect((await post(server, "/api/auth/login", { username: "admin", password: TEST_ADMIN_PASSWORD })).status).toBe(200);
  });

  it("answers 429 per client address across account names", async () => {
    const server = await start({ web: { loginFailuresPerAccount: 100, loginFailuresPerIp: 3, ...SLOW } });
    for (let i = 0; i < 3; i++) {
      expect((await post(server, "/api/auth/login", { username: `user${i}`, password: "wrong password!!" })).status).toBe(401);
    }
    expect((await post(server, "/api/auth/login", { username: "admin", password: TEST_ADMIN_PASSWORD })).status).toBe(429);
  });

  it("shares the counts between two server processes on one database", async () => {
    const a = await start({ web: { loginFailuresPerAccount: 2, loginFailuresPerIp: 100, ...SLOW } });
    const b = await start({ dataDir: a.dataDir, setup: false, web: { loginFailuresPerAccount: 2, loginFailuresPerIp: 100, ...SLOW } });
    expect((await post(a, "/api/auth/login", { username: "admin", password: "wrong password!!" })).status).toBe(401);
    expect((await post(b, "/api/auth/login", { username: "admin", password: "wrong password!!" })).status).toBe(401);
    expect((await post(a, "/api/auth/login", { username: "admin", password: TEST_ADMIN_PASSWORD })).status).toBe(429);
  });
});
