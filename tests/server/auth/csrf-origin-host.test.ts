/**
 * CSRF token and Origin checks on cookie-authenticated state-changing
 * routes, the Host allowlist against DNS rebinding, security headers and
 * the absence of CORS (S3; docs/security-web.md).
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function rawGet(path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

async function code(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

describe("CSRF and Origin on cookie routes (S3)", () => {
  it("accepts a state-changing request with the token and our Origin", async () => {
    expect((await server.adminFetch("/api/invitations", { method: "POST" })).status).toBe(201);
  });

  it("refuses a missing CSRF token with 403", async () => {
    const res = await server.adminFetch("/api/invitations", { method: "POST", headers: { "x-csrf-token": "" } });
    expect(res.status).toBe(403);
    expect(await code(res)).toBe("csrf_failed");
  });

  it("refuses a wrong CSRF token with 403", async () => {
    const other = await server.login();
    const res = await server.adminFetch("/api/invitations", { method: "POST", headers: { "x-csrf-token": other.csrfToken } });
    expect(res.status).toBe(403);
  });

  it("refuses a foreign, null or missing Origin with 403", async () => {
    for (const origin of ["https://evil.example", "null", `http://localhost.evil.example:${server.port}`]) {
      const res = await server.adminFetch("/api/invitations", { method: "POST", headers: { origin } });
      expect(res.status).toBe(403);
      expect(await code(res)).toBe("origin_refused");
    }
    const headers = { cookie: server.admin.cookie, "x-csrf-token": server.admin.csrfToken };
    expect((await server.fetch("/api/invitations", { method: "POST", headers })).status).toBe(403);
  });

  it("lets safe methods through without a token", async () => {
    const res = await server.fetch("/api/invitations", { headers: { cookie: server.admin.cookie } });
    expect(res.status).toBe(200);
  });

  it("refuses a login posted from a foreign Origin", async () => {
    const res = await server.fetch("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://evil.example" },
      body: JSON.stringify({ username: "admin", password: server.password }),
    });
    expect(res.status).toBe(403);
  });

  it("needs no CSRF token for machine bearer requests (no ambient credential)", async () => {
    const res = await server.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: "AAAA", version: 0 }) });
    expect(res.status).toBe(200);
  });
});

describe("Host allowlist against DNS rebinding", () => {
  it("answers loopback names with the port", async () => {
    expect(await rawGet("/api/health", `127.0.0.1:${server.port}`)).toBe(200);
    expect(await rawGet("/api/health", `localhost:${server.port}`)).toBe(200);
  });

  it("refuses another Host with 421", async () => {
    expect(await rawGet("/api/health", `rebind.evil.example:${server.port}`)).toBe(421);
    expect(await rawGet("/api/setup", "evil.example")).toBe(421);
  });
});

describe("security headers and CORS", () => {
  it("sends CSP with frame-ancestors 'none', nosniff and a referrer policy", async () => {
    const res = await server.fetch("/api/setup");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("never sends CORS headers, whatever the Origin", async () => {
    const res = await server.fetch("/api/auth/session", { headers: { origin: "https://evil.example", cookie: server.admin.cookie } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    const preflight = await server.fetch("/api/invitations", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});
