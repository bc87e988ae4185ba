/**
 * Behind a load balancer (S6, S3): `X-Forwarded-For` names the client only
 * on a connection from a trusted proxy (`--trusted-proxies`), so login
 * throttling keeps one bucket per real client behind the balancer, and
 * elsewhere a client cannot pick the address it is throttled as.
 */
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { forwardedClient, normalizeAddress } from "../../../lib/server/auth/client-address.ts";
import { ConfigError, resolveServerConfig } from "../../../lib/server/config.ts";
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from "../../helpers/server.ts";

describe("the client behind trusted proxies", () => {
  const trusted = ["10.0.0.5", "10.0.0.6"];
  it("is the right-most address the proxies did not add", () => {
    expect(forwardedClient("10.0.0.5", "198.51.100.7", trusted)).toBe("198.51.100.7");
    // A client-written header left of the real hop is ignored; so is a second proxy hop.
    expect(forwardedClient("10.0.0.5", "1.2.3.4, 198.51.100.7, 10.0.0.6", trusted)).toBe("198.51.100.7");
    expect(forwardedClient("::ffff:10.0.0.5", " 2001:DB8::1 ", trusted)).toBe("2001:db8::1");
  });
  it("is the connection's address when it does not come from a proxy, or the header is absent", () => {
    expect(forwardedClient("198.51.100.9", "1.2.3.4", trusted)).toBe("198.51.100.9");
    expect(forwardedClient("10.0.0.5", undefined, trusted)).toBe("10.0.0.5");
    expect(forwardedClient("10.0.0.5", "10.0.0.6", trusted)).toBe("10.0.0.6");
  });
  it("reads IPv4-mapped IPv6 as IPv4", () => {
    expect(normalizeAddress("::FFFF:127.0.0.1")).toBe("127.0.0.1");
  });
  it("is configured with IP addresses only", () => {
    const base = { "data-dir": "/tmp/x" };
    expect(resolveServerConfig({ values: { ...base, "trusted-proxies": "127.0.0.1, ::ffff:10.0.0.5" }, env: {} }).trustedProxies).toEqual(["127.0.0.1", "10.0.0.5"]);
    expect(() => resolveServerConfig({ values: { ...base, "trusted-proxies": "lb.example.org" }, env: {} })).toThrow(ConfigError);
    expect(resolveServerConfig({ values: base, env: {} }).trustedProxies).toEqual([]);
  });
});

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A login POSTed from 127.0.0.1 (the "balancer") on behalf of `client`. */
function loginAs(server: TestServer, forwardedFor: string, password: string): Promise<number> {
  const body = JSON.stringify({ username: "admin", password });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: server.port,
        path: "/api/auth/login",
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), origin: server.origin, "x-forwarded-for": forwardedFor },
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

const SLOW = { loginFailuresPerAccount: 2, loginFailuresPerIp: 100, loginDelayBaseMs: 60_000, loginDelayMaxMs: 60_000 };

describe("login throttling behind a load balancer", () => {
  it("throttles the guessing client, not every client of the balancer", async () => {
    const server = await startTestServer({ web: SLOW, config: { "trusted-proxies": "127.0.0.1" } });
    servers.push(server);
    for (let i = 0; i < 2; i++) expect(await loginAs(server, "198.51.100.7", `wrong password ${i}`)).toBe(401);
    expect(await loginAs(server, "198.51.100.7", TEST_ADMIN_PASSWORD)).toBe(429);
    expect(await loginAs(server, "198.51.100.8", TEST_ADMIN_PASSWORD)).toBe(200);
    const rows = await server.ctx.db.execute("SELECT key FROM login_throttle WHERE key LIKE 'user-ip:%'");
    expect(rows.rows.map((r) => r.key)).toEqual(["user-ip:admin@198.51.100.7"]);
  });

  it("ignores the header when no proxy is trusted: a client cannot change the address it is throttled as", async () => {
    const server = await startTestServer({ web: SLOW });
    servers.push(server);
    for (let i = 0; i < 2; i++) expect(await loginAs(server, `203.0.113.${i}`, `wrong password ${i}`)).toBe(401);
    expect(await loginAs(server, "203.0.113.99", TEST_ADMIN_PASSWORD)).toBe(429);
  });
});
