// The checkpoint keeper against a real server (C6): it publishes a chain,
// checks against the other machine's newest checkpoint, notices a server
// that lost this machine's checkpoint or hands out one that does not open,
// continues a chain its state lost, and never fails a pass for a server
// that cannot be reached.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CheckpointKeeper } from "../../../lib/agent/checkpoints/keeper.ts";
import type { HttpTarget } from "../../../lib/agent/client/http.ts";
import { META_SCHEMA, MetaStore } from "../../../lib/agent/state/meta.ts";
import type { RemoteNode } from "../../../lib/agent/tree/nodes.ts";
import { openCheckpoint } from "../../../lib/crypto/checkpoint.ts";
import type { Keyring } from "../../../lib/crypto/keyring.ts";
import { katKeyring } from "../../crypto/fixtures.ts";
import { startTestServer, type TestMachine, type TestServer } from "../../helpers/server.ts";
import { tempDb, type TempDb } from "../state/temp-db.ts";

let server: TestServer;
let other: TestMachine;
let keyring: Keyring;
let dbA: TempDb;
let dbB: TempDb;

const id = (n: number): string => n.toString(16).padStart(32, "0");
const h = (n: number): string => n.toString(16).padStart(64, "0");
const content = { size: 0, mtimeMs: 0, mode: 0, chunks: [], contentHash: "" };
const node = (n: number, version: number, kind: RemoteNode["kind"] = "file"): [string, RemoteNode] => [
  id(n),
  { nodeId: id(n), parentId: "0".repeat(32), name: `f${n}`, kind, version, hash: h(version), content },
];
const targetOf = (token: string): HttpTarget => ({ serverUrl: server.url, token });

beforeAll(async () => {
  server = await startTestServer();
  other = await server.registerMachine("other");
  keyring = await katKeyring();
});
afterAll(async () => server.close());
beforeEach(async () => {
  await server.ctx.db.execute("DELETE FROM checkpoints");
  dbA = await tempDb([META_SCHEMA]);
  dbB = await tempDb([META_SCHEMA]);
});
afterEach(async () => {
  await dbA.dispose();
  await dbB.dispose();
});

async function keeper(machineId: string, db: TempDb, publishEveryMs = 0): Promise<CheckpointKeeper> {
  return new CheckpointKeeper({ machineId, meta: await MetaStore.open(db.db), publishEveryMs, listEveryMs: 0 });
}

describe("the checkpoint keeper", () => {
  it("publishes a hash chain only when the tree changed, and the other machine checks against it", async () => {
    const a = await keeper(server.machine.machineId, dbA);
    const b = await keeper(other.machineId, dbB);
    const tA = targetOf(server.machine.token);
    const tB = targetOf(other.token);
    const tree = new Map([node(1, 1), node(2, 3, "deleted")]);
    expect(await a.publish(tA, keyring, tree, 5)).toBe(1);
    expect(await a.publish(tA, keyring, tree, 5)).toBeUndefined();
    tree.set(...node(3, 1));
    await a.check(tA, keyring, tree, 7);
    expect(await a.publish(tA, keyring, tree, 7)).toBe(2);

    const read = await server.machineFetch(`/api/checkpoints/${server.machine.machineId}`);
    const second = await openCheckpoint(keyring, new Uint8Array(await read.arrayBuffer()), { machineId: server.machine.machineId, number: 2 });
    expect(second.previous).toMatch(/^[0-9a-f]{64}$/);
    expect(second.entries.map((e) => [e.nodeId, e.kind])).toEqual([[id(1), "file"], [id(2), "delete"], [id(3), "file"]]);

    // B has read the log as far (cursor 7) and holds the same: it passes.
    const same = await b.check(tB, keyring, new Map(tree), 7);
    expect(same.checked?.result.status).toBe("ok");
    expect(b.problem).toBeNull();
    // Not as far yet: nothing to say.
    expect((await b.check(tB, keyring, new Map(), 6)).checked).toBeUndefined();
    // A tree without node 3 and with node 1 forked: a problem, node 1 suspect, and B publishes nothing.
    const shown = new Map([[id(1), { ...node(1, 1)[1], hash: h(99) }]]);
    const found = await b.check(tB, keyring, shown, 9);
    expect(found.checked?.result.status).toBe("failed");
    expect(b.problem).toMatch(/^Integrity: .*2 node\(s\) \(1 missing, 1 with another version's content\)/);
    expect([...b.suspects]).toEqual([id(1)]);
    expect(await b.publish(tB, keyring, shown, 9)).toBeUndefined();
    // Once the tree matches again, the problem clears.
    await b.check(tB, keyring, new Map(tree), 9);
    expect([b.problem, b.suspects.size]).toEqual([null, 0]);
  });

  it("notices a server that lost this machine's checkpoint, or hands out one that does not open", async () => {
    const a = await keeper(server.machine.machineId, dbA);
    const tA = targetOf(server.machine.token);
    const tree = new Map([node(1, 1)]);
    expect(await a.publish(tA, keyring, tree, 3)).toBe(1);
    await server.ctx.db.execute("DELETE FROM checkpoints");
    await a.check(tA, keyring, tree, 3);
    expect(a.problem).toMatch(/holds this machine's checkpoint none, older than the 1 it published/);

    const b = await keeper(other.machineId, dbB);
    await server.ctx.db.execute({ sql: "INSERT INTO checkpoints (vault_id, machine_id, number, body, stored_at) VALUES (?, ?, 1, ?, 0)", args: [await vaultOf(), server.machine.machineId, new Uint8Array(200).fill(2)] });
    await b.check(targetOf(other.token), keyring, tree, 3);
    expect(b.problem).toMatch(/^Integrity: a checkpoint the server handed out does not open/);
  });

  it("continues the server's chain when its own state was lost, and waits out the interval", async () => {
    const tA = targetOf(server.machine.token);
    const first = await keeper(server.machine.machineId, dbA);
    expect(await first.publish(tA, keyring, new Map([node(1, 1)]), 3)).toBe(1);
    // The same machine with a fresh state database (restored home): it continues at 2.
    const fresh = await keeper(server.machine.machineId, dbB, 60_000);
    await fresh.check(tA, keyring, new Map([node(1, 2)]), 4);
    expect(await fresh.publish(tA, keyring, new Map([node(1, 2)]), 4)).toBe(2);
    // Within the interval nothing more is published.
    expect(await fresh.publish(tA, keyring, new Map([node(1, 3)]), 5)).toBeUndefined();
    // The first copy, behind the server, is told so and catches up on its next try.
    expect(await first.publish(tA, keyring, new Map([node(1, 3)]), 5)).toBeUndefined();
    expect(await first.publish(tA, keyring, new Map([node(1, 3)]), 5)).toBe(3);
  });

  it("defers, without a problem, when the server cannot be reached", async () => {
    const a = await keeper(server.machine.machineId, dbA);
    const away: HttpTarget = { serverUrl: "http://127.0.0.1:9", token: server.machine.token, timeoutMs: 2000 };
    const outcome = await a.check(away, keyring, new Map(), 1);
    expect(outcome.deferred).toMatch(/Cannot reach the server/);
    expect(a.problem).toBeNull();
    expect(await a.publish(away, keyring, new Map([node(1, 1)]), 1)).toBeUndefined();
  });
});

async function vaultOf(): Promise<string> {
  const rs = await server.ctx.db.execute({ sql: "SELECT vault_id FROM machine_tokens WHERE id = ?", args: [server.machine.machineId] });
  return rs.rows[0]?.vault_id as string;
}
