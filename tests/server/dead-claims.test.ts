/**
 * Upload claims left by a server process that stopped mid-upload (S6): a
 * claim whose process holds no live lease is released (when a server starts
 * and on each renewal of its own lease), so the chunk can be uploaded at
 * once instead of answering `busy` for the upload time bound; claims of live
 * processes sharing the database are kept.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { str } from "../../lib/db/row.ts";
import { spawnSync } from "node:child_process";
import { claimId, releaseDeadClaims } from "../../lib/server/chunks/dead-claims.ts";
import { tryAcquireLease } from "../../lib/server/db/lease.ts";
import { PROCESS_LEASE_PREFIX } from "../../lib/server/db/process-lease.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let dataDir: string | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  server = undefined;
  dataDir = undefined;
});

const ID = "ab".repeat(32);

async function vaultOf(s: TestServer): Promise<string> {
  const rs = await s.ctx.db.execute("SELECT id FROM vaults LIMIT 1");
  return str(rs.rows[0]!.id);
}

async function claimsOf(s: TestServer): Promise<string[]> {
  const rs = await s.ctx.db.execute({ sql: "SELECT claim FROM chunk_uploads WHERE id = ? ORDER BY claim", args: [ID] });
  return rs.rows.map((row) => str(row.claim));
}

async function addClaim(s: TestServer, id: string, claim: string): Promise<void> {
  await s.ctx.db.execute({ sql: "INSERT INTO chunk_uploads (vault_id, id, claim, since) VALUES (?, ?, ?, ?)", args: [await vaultOf(s), id, claim, Date.now()] });
}

/** A process lease held under a given label, as another process writes it. */
async function leaseAs(s: TestServer, token: string, label: string, ttlMs: number): Promise<void> {
  await tryAcquireLease(s.ctx.db, PROCESS_LEASE_PREFIX + token, token, ttlMs, Date.now());
  await s.ctx.db.execute({ sql: "UPDATE leases SET holder_label = ? WHERE name = ?", args: [label, PROCESS_LEASE_PREFIX + token] });
}

/** A pid that ran here and exited. */
function exitedPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

const LIVE = "1".repeat(32);
const GONE = "2".repeat(32);
const LOCAL_DEAD = "3".repeat(32);

describe("upload claims of a previous server process", () => {
  it("a claim left by a dead upload makes the chunk busy; a restarted server releases it and the upload goes through", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "syncagent-claims-"));
    server = await startTestServer({ dataDir });
    // An upload that died with its process: its claim is fresh, so it holds while that process's lease does.
    await leaseAs(server, LOCAL_DEAD, `${hostname()} pid ${exitedPid()}`, 3_600_000);
    await addClaim(server, ID, claimId(LOCAL_DEAD, "dead-upload"));
    const put = () => server!.machineFetch(`/api/chunks/${ID}`, { method: "PUT", body: new Uint8Array(100).fill(1), headers: { "content-type": "application/octet-stream" } });
    const busy = await put();
    expect(busy.status).toBe(503);
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe("chunk_busy");

    const port = server.port;
    const token = server.machine.token;
    await server.close();
    // Its lease has an hour to run, but its pid is gone from this host: the new server does not wait for it.
    server = await startTestServer({ dataDir, setup: false, config: { port: String(port) } });
    expect(await claimsOf(server)).toEqual([]);
    const stored = await server.machineFetch(`/api/chunks/${ID}`, { method: "PUT", body: new Uint8Array(100).fill(1), headers: { "content-type": "application/octet-stream" } }, token);
    expect(stored.status).toBeLessThan(300);
  });

  it("keeps the claims of live processes sharing the database and releases those whose lease expired or who hold none", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "syncagent-claims-"));
    server = await startTestServer({ dataDir });
    // The running server holds its own lease, under its token.
    const own = await server.ctx.db.execute({ sql: "SELECT holder, holder_label FROM leases WHERE name = ?", args: [PROCESS_LEASE_PREFIX + server.ctx.processToken] });
    expect(own.rows.map((row) => str(row.holder))).toEqual([server.ctx.processToken]);
    expect(str(own.rows[0]!.holder_label)).toBe(`${hostname()} pid ${process.pid}`);

    await leaseAs(server, LIVE, "other-host pid 1", 60_000);
    await leaseAs(server, GONE, "other-host pid 2", 1);
    await addClaim(server, ID, claimId(LIVE, "a"));
    await addClaim(server, "cd".repeat(32), claimId(server.ctx.processToken, "b"));
    await addClaim(server, "ef".repeat(32), claimId(GONE, "c"));
    await addClaim(server, "01".repeat(32), "claim-of-an-older-version");
    expect(await releaseDeadClaims(server.ctx.db, Date.now() + 10)).toBe(2);
    const left = await server.ctx.db.execute("SELECT claim FROM chunk_uploads ORDER BY claim");
    expect(left.rows.map((row) => str(row.claim))).toEqual([claimId(LIVE, "a"), claimId(server.ctx.processToken, "b")].sort());
    // The expired lease is forgotten; the live ones stay.
    const leases = await server.ctx.db.execute({ sql: "SELECT name FROM leases WHERE name LIKE ? ORDER BY name", args: [`${PROCESS_LEASE_PREFIX}%`] });
    expect(leases.rows.map((row) => str(row.name))).toEqual([PROCESS_LEASE_PREFIX + LIVE, PROCESS_LEASE_PREFIX + server.ctx.processToken].sort());

    // A minute on, the other host's lease ran out and its claim goes; this process renewed its own and keeps its claim.
    const later = Date.now() + 61_000;
    expect(await tryAcquireLease(server.ctx.db, PROCESS_LEASE_PREFIX + server.ctx.processToken, server.ctx.processToken, 60_000, later)).toBe(true);
    expect(await releaseDeadClaims(server.ctx.db, later)).toBe(1);
    expect(await claimsOf(server)).toEqual([]);
    const kept = await server.ctx.db.execute("SELECT claim FROM chunk_uploads");
    expect(kept.rows.map((row) => str(row.claim))).toEqual([claimId(server.ctx.processToken, "b")]);
  });

  it("an upload's claim carries the token of the process serving it", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "syncagent-claims-"));
    server = await startTestServer({ dataDir });
    const token = server.ctx.processToken;
    const seen: string[] = [];
    // Read the claims while the upload holds its own: just before its bytes are stored.
    const store = server.ctx.store;
    const put = store.put.bind(store);
    store.put = async (...args: Parameters<typeof put>) => {
      seen.push(...(await claimsOf(server!)));
      return put(...args);
    };
    const stored = await server.machineFetch(`/api/chunks/${ID}`, { method: "PUT", body: new Uint8Array(100).fill(2), headers: { "content-type": "application/octet-stream" } });
    expect(stored.status).toBeLessThan(300);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.startsWith(`${token}:`)).toBe(true);
    expect(await claimsOf(server)).toEqual([]);
  });
});
