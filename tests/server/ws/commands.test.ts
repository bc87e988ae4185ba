/**
 * Commands to agents over real HTTP and WebSockets (W9, A19, E1, E5): a
 * command posted for an offline machine is kept, reaches it when it
 * connects, is acknowledged once, and the dashboard sees both events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rebuildCommands } from "../../../lib/server/commands/command-projection.ts";
import { rebuildProjections } from "../../../lib/server/files/rebuild.ts";
import { withWriteTransaction } from "../../../lib/server/db/tx.ts";
import { startTestServer, type TestMachine, type TestServer } from "../../helpers/server.ts";
import { waitFor } from "../../helpers/wait.ts";
import { browserHeaders, connect, machineHeaders } from "./client.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

interface Command {
  commandId: string;
  kind: string;
  state: string;
  deliveredAt: number | null;
  acknowledgedAt: number | null;
  ok: boolean | null;
  message: string | null;
}

async function post(machineId: string, kind: string): Promise<Response> {
  return server.adminFetch(`/api/machines/${machineId}/commands`, { method: "POST", body: JSON.stringify({ kind }) });
}

async function list(machine: TestMachine, as: "admin" | "machine" = "admin"): Promise<Command[]> {
  const path = `/api/machines/${machine.machineId}/commands`;
  const res = as === "admin" ? await server.adminFetch(path) : await server.machineFetch(path, {}, machine.token);
  expect(res.status).toBe(200);
  return ((await res.json()) as { commands: Command[] }).commands;
}

describe("commands to agents (W9, A19)", () => {
  it("keeps commands for an offline machine, delivers them oldest first on connect, records the acknowledgement", async () => {
    const machine = await server.registerMachine("offline laptop");
    const dashboard = await connect(server, "/ws/dashboard", { headers: browserHeaders(server) });
    await dashboard.waitFor((m) => m.type === "snapshot");
    const first = await post(machine.machineId, "pause");
    expect(first.status).toBe(201);
    const paused = (await first.json()) as Command;
    expect(paused).toMatchObject({ kind: "pause", state: "pending", deliveredAt: null });
    expect(paused.commandId).toMatch(/^[0-9a-f]{32}$/);
    const second = (await (await post(machine.machineId, "sync_now")).json()) as Command;
    // The dashboard sees the issued commands as events.
    await dashboard.waitFor((m) => m.type === "changes" && (m.events as { type: string; payload: { commandId: string } }[]).some((e) => e.type === "MachineCommandIssued" && e.payload.commandId === second.commandId));

    // The machine connects: hello, then its pending commands, oldest first.
    const changes = await connect(server, "/ws/changes", { headers: machineHeaders(machine.token) });
    await changes.waitFor((m) => m.type === "command" && m.commandId === second.commandId);
    const frames = changes.messages.filter((m) => m.type === "command");
    expect(frames.map((m) => [m.commandId, m.kind])).toEqual([
      [paused.commandId, "pause"],
      [second.commandId, "sync_now"],
    ]);
    expect(changes.messages[0]?.type).toBe("hello");
    await waitFor("delivery recorded", async () => (await list(machine)).every((c) => c.deliveredAt !== null));

    // It acknowledges one over /ws/events and the other over HTTP.
    const events = await connect(server, "/ws/events", { headers: machineHeaders(machine.token) });
    events.send({ type: "command_ack", commandId: paused.commandId, ok: true, message: "paused" });
    await events.waitFor((m) => m.type === "command_acked" && m.commandId === paused.commandId);
    const http = await server.machineFetch(`/api/commands/${second.commandId}/ack`, { method: "POST", body: JSON.stringify({ ok: false, message: "already syncing" }) }, machine.token);
    expect(http.status).toBe(200);
    expect(await http.json()).toMatchObject({ commandId: second.commandId, state: "acknowledged", ok: false });

    // Each at most once.
    events.send({ type: "command_ack", commandId: paused.commandId, ok: true });
    const again = await events.waitFor((m) => m.type === "error" && m.commandId === paused.commandId);
    expect(again.error).toBe("already_acknowledged");
    const twice = await server.machineFetch(`/api/commands/${second.commandId}/ack`, { method: "POST", body: JSON.stringify({ ok: true }) }, machine.token);
    expect(twice.status).toBe(409);

    // Visible in the list (to the dashboard and to the machine itself) and as events on the dashboard.
    const listed = await list(machine, "machine");
    expect(listed.map((c) => [c.commandId, c.state, c.ok, c.message])).toEqual([
      [second.commandId, "acknowledged", false, "already syncing"],
      [paused.commandId, "acknowledged", true, "paused"],
    ]);
    await dashboard.waitFor(
      (m) => m.type === "changes" && (m.events as { type: string; payload: { commandId: string } }[]).some((e) => e.type === "MachineCommandAcknowledged" && e.payload.commandId === second.commandId),
    );
    // Nothing is pending any more: a reconnect delivers no command.
    const reconnect = await connect(server, "/ws/changes", { headers: machineHeaders(machine.token) });
    await reconnect.waitFor((m) => m.type === "hello");
    changes.close();
    events.close();
    dashboard.close();
    expect(reconnect.messages.filter((m) => m.type === "command")).toEqual([]);
    reconnect.close();
  });

  it("pushes a command at once to a connected machine", async () => {
    const machine = await server.registerMachine("online desktop");
    const changes = await connect(server, "/ws/changes", { headers: machineHeaders(machine.token) });
    await changes.waitFor((m) => m.type === "hello");
    const issued = (await (await post(machine.machineId, "resume")).json()) as Command;
    const frame = await changes.waitFor((m) => m.type === "command");
    expect(frame).toMatchObject({ commandId: issued.commandId, kind: "resume" });
    changes.close();
  });

  it("expires a command left unanswered for 24 h, and records it", async () => {
    const own = await startTestServer();
    try {
      const res = await own.adminFetch(`/api/machines/${own.machine.machineId}/commands`, { method: "POST", body: JSON.stringify({ kind: "sync_now" }) });
      const issued = (await res.json()) as Command;
      own.clock.advance(24 * 3_600_000 + 1000);
      const listed = await own.machineFetch(`/api/machines/${own.machine.machineId}/commands`);
      expect(((await listed.json()) as { commands: Command[] }).commands[0]).toMatchObject({ commandId: issued.commandId, state: "expired" });
      const events = await own.ctx.db.execute({ sql: "SELECT type FROM events WHERE stream = ? ORDER BY stream_version", args: [`command:${issued.commandId}`] });
      expect(events.rows.map((r) => r.type)).toEqual(["MachineCommandIssued", "MachineCommandExpired"]);
      const late = await own.machineFetch(`/api/commands/${issued.commandId}/ack`, { method: "POST", body: JSON.stringify({ ok: true }) });
      expect(late.status).toBe(410);
    } finally {
      await own.close();
    }
  });

  it("validates: unknown kind 422, unknown machine 404, machine tokens cannot issue, another machine cannot ack", async () => {
    expect((await post(server.machine.machineId, "format_disk")).status).toBe(422);
    expect((await post("0".repeat(32), "pause")).status).toBe(404);
    expect((await post("not-an-id", "pause")).status).toBe(422);
    const asMachine = await server.machineFetch(`/api/machines/${server.machine.machineId}/commands`, { method: "POST", body: JSON.stringify({ kind: "pause" }) });
    expect(asMachine.status).toBe(403);
    const issued = (await (await post(server.machine.machineId, "pause")).json()) as Command;
    const other = await server.registerMachine("other");
    const foreign = await server.machineFetch(`/api/commands/${issued.commandId}/ack`, { method: "POST", body: JSON.stringify({ ok: true }) }, other.token);
    expect(foreign.status).toBe(404);
    expect((await server.machineFetch(`/api/machines/${server.machine.machineId}/commands`, {}, other.token)).status).toBe(403);
  });
});

describe("the machine_commands projection (E3)", () => {
  it("is rebuilt from the events to the same rows, delivery times kept", async () => {
    const read = async (): Promise<unknown[]> => (await server.ctx.db.execute("SELECT * FROM machine_commands ORDER BY id")).rows.map((r) => ({ ...r }));
    const before = await read();
    expect(before.length).toBeGreaterThan(3);
    const applied = await rebuildCommands(server.ctx.db);
    expect(applied).toBeGreaterThanOrEqual(before.length);
    expect(await read()).toEqual(before);
  });

  it("is part of the full rebuild (`server rebuild-projections`), emptied rows restored", async () => {
    const read = async (): Promise<unknown[]> => (await server.ctx.db.execute("SELECT * FROM machine_commands ORDER BY id")).rows.map((r) => ({ ...r }));
    const before = await read();
    expect(before.length).toBeGreaterThan(3);
    // A projection damaged by hand: the full rebuild must bring it back from the events.
    await server.ctx.db.execute("UPDATE machine_commands SET state = 'pending', ok = NULL, acked_at = NULL");
    await rebuildProjections(server.ctx);
    expect(await read()).toEqual(before);
  });
});

describe("paging commands (W9)", () => {
  it("pages across commands issued in the same millisecond without skipping one", async () => {
    const machine = server.machine;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await post(machine.machineId, "sync_now");
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as Command).commandId);
    }
    // The same issue time for all four (a burst within one millisecond); last in the file: the rows no longer match their events.
    await withWriteTransaction(server.ctx.db, (tx) =>
      tx.execute({ sql: `UPDATE machine_commands SET issued_at = 4102444800000 WHERE id IN (${ids.map(() => "?").join(", ")})`, args: ids }),
    );
    const seen: string[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const path = `/api/machines/${machine.machineId}/commands?limit=1${before === undefined ? "" : `&before=${before}`}`;
      const page = (await (await server.adminFetch(path)).json()) as { commands: Command[]; next: { before: string } | null };
      seen.push(...page.commands.map((c) => c.commandId));
      if (!page.next || seen.filter((id) => ids.includes(id)).length === ids.length) break;
      before = page.next.before;
    }
    expect(seen.slice(0, 4).sort()).toEqual([...ids].sort());
    expect(new Set(seen).size).toBe(seen.length);
    const bad = await server.adminFetch(`/api/machines/${machine.machineId}/commands?before=123`);
    expect(bad.status).toBe(422);
  });
});
