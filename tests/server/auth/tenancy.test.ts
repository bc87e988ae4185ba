/**
 * Tenancy ready for sharing (S3, S10): a vault has members; a
 * browser session and a machine token each act on one vault, and the
 * auth-side routes (machines, invitations, key file) answer for that vault
 * only. A second vault of the same account is added straight in the
 * database: no route creates one yet, and none needs a migration.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestMachine } from "../../helpers/server.ts";
import { str } from "../../../lib/db/row.ts";

let server: TestServer;
let vaultA = "";
const vaultB = "b".repeat(32);
let machineB: TestMachine & { vaultId?: string };

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

type SessionInfo = { vaultId: string; accountId: string };

async function session(): Promise<SessionInfo> {
  return (await (await server.adminFetch("/api/auth/session")).json()) as SessionInfo;
}

function switchTo(vaultId: string): Promise<Response> {
  return server.adminFetch("/api/auth/vault", { method: "POST", body: JSON.stringify({ vaultId }) });
}

describe("vault members and the vault a credential acts on", () => {
  it("makes the setup's account the owner of its first vault, and the session act on it", async () => {
    const info = await session();
    vaultA = info.vaultId;
    expect(vaultA).toMatch(/^[0-9a-f]{32}$/);
    const members = await server.ctx.db.execute("SELECT vault_id, account_id, role FROM vault_members");
    expect(members.rows.map((r) => [str(r.vault_id), str(r.account_id), str(r.role)])).toEqual([[vaultA, info.accountId, "owner"]]);
    const stored = await server.ctx.db.execute("SELECT DISTINCT vault_id FROM sessions");
    expect(stored.rows.map((r) => str(r.vault_id))).toEqual([vaultA]);
    const login = await server.fetch("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.origin },
      body: JSON.stringify({ username: server.username, password: server.password }),
    });
    expect(((await login.json()) as { vaultId: string }).vaultId).toBe(vaultA);
  });

  it("switches the session to another vault of its account and binds a machine to the invitation's vault", async () => {
    const { accountId } = await session();
    await server.ctx.db.execute({ sql: "INSERT INTO vaults (id, account_id, created_at) VALUES (?, ?, ?)", args: [vaultB, accountId, Date.now()] });
    await server.ctx.db.execute({
      sql: "INSERT INTO vault_members (vault_id, account_id, role, added_at) VALUES (?, ?, 'member', ?)",
      args: [vaultB, accountId, Date.now()],
    });
    const switched = await switchTo(vaultB);
    expect(switched.status).toBe(200);
    expect((await session()).vaultId).toBe(vaultB);
    machineB = await server.registerMachine("in-vault-b");
    expect(machineB.vaultId).toBe(vaultB);
  });

  it("scopes machines, invitations and the key file by the vault acted on", async () => {
    // Session on vault B: only B's machine and invitation.
    const listB = (await (await server.adminFetch("/api/machines")).json()) as { machines: { id: string }[] };
    expect(listB.machines.map((m) => m.id)).toEqual([machineB.machineId]);
    const invB = (await (await server.adminFetch("/api/invitations")).json()) as { invitations: { machineId: string | null }[] };
    expect(invB.invitations.map((i) => i.machineId)).toEqual([machineB.machineId]);
    expect((await server.adminFetch(`/api/machines/${server.machine.machineId}/status`)).status).toBe(404);
    const renameA = await server.adminFetch(`/api/machines/${server.machine.machineId}`, { method: "PATCH", body: JSON.stringify({ name: "x" }) });
    expect(renameA.status).toBe(404);

    // Each machine's token acts on its own vault: B's key file is not A's.
    expect((await server.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: "AAAA", version: 0 }) })).status).toBe(200);
    expect((await server.machineFetch("/api/vault/key", {}, machineB.token)).status).toBe(404);
    expect((await server.machineFetch(`/api/machines/${server.machine.machineId}/status`, {}, machineB.token)).status).toBe(404);
    expect((await server.machineFetch("/api/vault/key-file/versions", {}, machineB.token)).status).toBe(200);

    // Back on vault A: only A's machine.
    expect((await switchTo(vaultA)).status).toBe(200);
    const listA = (await (await server.adminFetch("/api/machines")).json()) as { machines: { id: string }[] };
    expect(listA.machines.map((m) => m.id)).toEqual([server.machine.machineId]);
    expect((await server.adminFetch(`/api/machines/${machineB.machineId}`, { method: "DELETE" })).status).toBe(404);
  });

  it("refuses a vault the account is not a member of (404), a malformed id (422), no CSRF (403), a machine (403)", async () => {
    expect((await switchTo("c".repeat(32))).status).toBe(404);
    expect((await switchTo("not-a-vault")).status).toBe(422);
    const noCsrf = await server.adminFetch("/api/auth/vault", { method: "POST", headers: { "x-csrf-token": "" }, body: JSON.stringify({ vaultId: vaultB }) });
    expect(noCsrf.status).toBe(403);
    const byMachine = await server.machineFetch("/api/auth/vault", { method: "POST", body: JSON.stringify({ vaultId: vaultB }) });
    expect(byMachine.status).toBe(403);
    expect((await session()).vaultId).toBe(vaultA);
  });

  it("ends a session, and stops a machine token, whose account stopped being a member of its vault", async () => {
    expect((await switchTo(vaultB)).status).toBe(200);
    expect((await server.machineFetch(`/api/machines/${machineB.machineId}/status`, {}, machineB.token)).status).toBe(200);
    await server.ctx.db.execute({ sql: "DELETE FROM vault_members WHERE vault_id = ?", args: [vaultB] });
    expect((await server.adminFetch("/api/auth/session")).status).toBe(401);
    expect((await server.machineFetch(`/api/machines/${machineB.machineId}/status`, {}, machineB.token)).status).toBe(401);
    expect((await server.machineFetch(`/api/machines/${server.machine.machineId}/status`)).status).toBe(200);
  });
});
