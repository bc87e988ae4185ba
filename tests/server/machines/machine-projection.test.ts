/**
 * The machine list is a projection of the machine events (E3, S10): a
 * rebuild gives identical tables, keeps live machines able to authenticate
 * (their token hashes are not in events and not rebuilt) and keeps removed
 * machines revoked. Also the 0005 migration that split the old table.
 */
import { createClient } from "@libsql/client";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../../lib/server/db/migrate.ts";
import { migrations } from "../../../lib/server/db/migrations/index.ts";
import { str } from "../../../lib/db/row.ts";
import { checkConsistency } from "../../../lib/server/files/consistency.ts";
import { dumpProjections, rebuildProjections } from "../../../lib/server/files/rebuild.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ web: { reauthWindowMs: 60_000 } });
});
afterAll(async () => {
  await server.close();
});

describe("machine projection (E3, S10)", () => {
  it("rebuilds identical machine tables; the removed token stays refused, the live one accepted", async () => {
    const kept = await server.registerMachine("desk");
    const gone = await server.registerMachine("old phone");
    const renamed = await server.adminFetch(`/api/machines/${kept.machineId}`, { method: "PATCH", body: JSON.stringify({ name: "office desk" }) });
    expect(renamed.status).toBe(200);
    await server.adminFetch("/api/auth/reauth", { method: "POST", body: JSON.stringify({ password: server.password }) });
    expect((await server.adminFetch(`/api/machines/${gone.machineId}`, { method: "DELETE" })).status).toBe(204);

    const before = await dumpProjections(server.ctx.db);
    expect(before.machine_registry?.length).toBe(3);
    const removed = await server.ctx.db.execute({ sql: "SELECT name, removed_at FROM machine_registry WHERE id = ?", args: [gone.machineId] });
    expect(removed.rows[0]?.removed_at).not.toBeNull();
    const named = await server.ctx.db.execute({ sql: "SELECT name FROM machine_registry WHERE id = ?", args: [kept.machineId] });
    expect(str(named.rows[0]?.name)).toBe("office desk");

    // Damage the projection, then rebuild it from the events.
    await server.ctx.db.execute("DELETE FROM machine_registry");
    expect((await server.machineFetch(`/api/machines/${kept.machineId}/status`, {}, kept.token)).status).toBe(401);
    const result = await rebuildProjections(server.ctx);
    expect(result.deadLettered).toBe(0);
    expect(await dumpProjections(server.ctx.db)).toEqual(before);

    expect((await server.machineFetch(`/api/machines/${kept.machineId}/status`, {}, kept.token)).status).toBe(200);
    expect((await server.machineFetch(`/api/machines/${server.machine.machineId}/status`)).status).toBe(200);
    expect((await server.machineFetch(`/api/machines/${gone.machineId}/status`, {}, gone.token)).status).toBe(401);
    const list = (await (await server.adminFetch("/api/machines")).json()) as { machines: { id: string; name: string }[] };
    expect(list.machines.map((m) => m.name).sort()).toEqual(["laptop", "office desk"].sort());
  });

  it("is part of the consistency check", async () => {
    const report = await checkConsistency(server.ctx.db, server.ctx.store);
    expect(report.problems).toEqual([]);
    await server.ctx.db.execute({ sql: "UPDATE machine_registry SET name = 'tampered' WHERE id = ?", args: [server.machine.machineId] });
    const broken = await checkConsistency(server.ctx.db, server.ctx.store);
    expect(broken.problems.some((p) => p.startsWith("machine_registry:"))).toBe(true);
    await rebuildProjections(server.ctx);
    expect((await checkConsistency(server.ctx.db, server.ctx.store)).ok).toBe(true);
  });
});

describe("migration 0005", () => {
  it("splits the old machines table, keeping names, times, tokens, status and revocations", async () => {
    const dir = await mkdtemp(join(tmpdir(), "syncagent-m5-"));
    const db = createClient({ url: `file:${join(dir, "db.sqlite")}` });
    try {
      await db.execute("PRAGMA foreign_keys = ON");
      await migrate(db, migrations.filter((m) => m.id <= 4));
      await db.execute("INSERT INTO accounts (id, created_at) VALUES ('a', 1)");
      await db.execute("INSERT INTO vaults (id, account_id, created_at) VALUES ('v', 'a', 1)");
      await db.execute(`INSERT INTO machines (id, account_id, vault_id, name, platform, token_hash, created_at, last_seen_at, revoked_at)
                        VALUES ('m1', 'a', 'v', 'one', 'linux', 'h1', 100, 150, NULL), ('m2', 'a', 'v', 'two', 'darwin', 'h2', 200, 250, 300)`);
      await db.execute(`INSERT INTO events (id, account_id, vault_id, stream, stream_version, type, version, ts, payload, meta)
                        VALUES ('e1', 'a', 'v', 'machine:m1', 1, 'MachineRegistered', 1, 101, '{"machineId":"m1","name":"one","platform":"linux","invitationId":"i"}', '{}')`);
      await db.execute(`INSERT INTO machine_status (machine_id, account_id, vault_id, state, updated_at) VALUES ('m1', 'a', 'v', 'idle', 1)`);
      expect(await migrate(db, migrations.filter((m) => m.id <= 5))).toEqual([5]);
      const registry = await db.execute("SELECT id, name, platform, registered_at, removed_at FROM machine_registry ORDER BY id");
      expect(registry.rows.map((r) => [r.id, r.name, r.platform, r.registered_at, r.removed_at])).toEqual([
        ["m1", "one", "linux", 101, null],
        ["m2", "two", "darwin", 200, 300],
      ]);
      const tokens = await db.execute("SELECT id, token_hash, last_seen_at, revoked_at FROM machine_tokens ORDER BY id");
      expect(tokens.rows.map((r) => [r.id, r.token_hash, r.last_seen_at, r.revoked_at])).toEqual([
        ["m1", "h1", 150, null],
        ["m2", "h2", 250, 300],
      ]);
      const view = await db.execute("SELECT name, token_hash FROM machines WHERE id = 'm2'");
      expect(view.rows[0]).toMatchObject({ name: "two", token_hash: "h2" });
      const fk = await db.execute("PRAGMA foreign_key_check");
      expect(fk.rows).toEqual([]);
    } finally {
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
