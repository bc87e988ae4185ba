/**
 * Password checks under load (S3): Argon2id (64 MiB each) runs
 * in a bounded number of slots with a bounded queue, and the rest are
 * refused with 503 `busy` + Retry-After; the dummy hash for unknown names
 * exists before the first login, so that login costs what the others cost.
 * Also the growing login waits as a pure rule.
 */
import { afterEach, describe, expect, it } from "vitest";
import { delayAfter } from "../../../lib/server/accounts/login-delay.ts";
import { argon2idRuns } from "../../../lib/server/accounts/password.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { TEST_PG_URL } from "../../helpers/pg-schema.ts";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
  const server = await startTestServer(...args);
  servers.push(server);
  return server;
}

function login(server: TestServer, username: string, password = "wrong password!!"): Promise<Response> {
  return server.fetch("/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.origin },
    body: JSON.stringify({ username, password }),
  });
}

describe("bounded password work", () => {
  // First in the file: the dummy hash is per process, and no other login may have made it yet.
  it("makes the first unknown-name login after a start cost one Argon2id run, like the later ones", async () => {
    const server = await start({ web: { loginFailuresPerIp: 1_000 } });
    const cost = async (name: string): Promise<number> => {
      const before = argon2idRuns();
      expect((await login(server, name)).status).toBe(401);
      return argon2idRuns() - before;
    };
    // Made lazily, the first one cost two runs (the dummy hash, then the check): a user-existence bit.
    expect(await cost("first-unknown")).toBe(1);
    expect(await cost("later-unknown")).toBe(1);
    expect(await cost("admin")).toBe(1);
  });

  // On PostgreSQL each attempt's reservation waits for the database, and an Argon2id check holds the event loop while it
  // runs (hash-wasm computes on the main thread): the attempts reach the limiter one at a time and never fill its queue.
  it.skipIf(TEST_PG_URL)("runs at most the configured checks at once and refuses past the queue with 503 busy and Retry-After", async () => {
    const server = await start({
      config: { "password-hash-concurrency": "1", "password-hash-queue": "2" },
      web: { loginFailuresPerIp: 1_000 },
    });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => login(server, `nobody-${i}`)));
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
    const busy = results.filter((r) => r.status === 503);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(3);
    for (const res of busy) {
      expect(res.headers.get("retry-after")).toBe("1");
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("busy");
    }
    // A refusal for load is not a guess: the address's count holds the checked attempts only.
    const row = await server.ctx.db.execute("SELECT failures FROM login_throttle WHERE key = 'ip:127.0.0.1'");
    expect(Number(row.rows[0]?.failures)).toBe(statuses.filter((s) => s === 401).length);
    // Once the burst is over the admin logs in.
    expect((await login(server, "admin", server.password)).status).toBe(200);
  });
});

describe("login waits", () => {
  it("grows 0, 1, 2, 4 … s after the free failures, capped", () => {
    const rule = { free: 1, baseMs: 1_000, maxMs: 60_000 };
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => delayAfter(n, rule))).toEqual([
      0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
    expect(delayAfter(19, { free: 20, baseMs: 1_000, maxMs: 60_000 })).toBe(0);
    expect(delayAfter(20, { free: 20, baseMs: 1_000, maxMs: 60_000 })).toBe(1_000);
  });
});
