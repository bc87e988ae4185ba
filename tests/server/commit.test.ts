/**
 * Commits on a real SQLite file and chunk folder (S4, S7, E5): per-item
 * results, base-version checks, missing chunks, changes paging and snapshot.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitVersions } from "../../lib/server/files/commit.ts";
import { readChanges } from "../../lib/server/files/changes.ts";
import { readSnapshot } from "../../lib/server/files/snapshot.ts";
import type { Actor } from "../../lib/server/files/actor.ts";
import type { CommitItem } from "../../lib/server/files/version-input.ts";
import { createTestActor, createTestContext, uploadRandomChunk, versionInput, type TestServerContext } from "./helpers/context.ts";
import { nodeId as newNode, ROOT_NODE_ID } from "./helpers/nodes.ts";

let t: TestServerContext;
let actor: Actor;
const folder = ROOT_NODE_ID;
const hexId = newNode;

beforeEach(async () => {
  t = await createTestContext();
  actor = await createTestActor(t.ctx);
});
afterEach(async () => t.cleanup());

const upload = (bytes: number): Promise<string> => uploadRandomChunk(t.ctx, actor, bytes);
const file = (id: string, baseVersion: number, chunks: string[]): CommitItem => versionInput(id, folder, baseVersion, chunks);

describe("commitVersions", () => {
  it("records many items in one call, each with its own result", async () => {
    const c1 = await upload(100);
    const c2 = await upload(200);
    const [a, b, missing] = [hexId(), hexId(), hexId()];
    const absent = "e".repeat(64);
    const results = await commitVersions(t.ctx, actor, [file(a, 0, [c1, c2, c1]), file(b, 0, [c2]), file(missing, 0, [c1, absent])]);
    expect(results.map((r) => r.status)).toEqual(["ok", "ok", "missing_chunks"]);
    expect(results[2]).toMatchObject({ missing: [absent] });
    expect(results[0]).toMatchObject({ version: 1 });
    const tree = await t.ctx.db.execute("SELECT node_id, size, head_version FROM tree ORDER BY size");
    expect(tree.rows.map((r) => [r.node_id, r.size])).toEqual([
      [b, 200],
      [a, 400],
    ]);
    const events = await t.ctx.db.execute("SELECT COUNT(*) AS n FROM events");
    expect(Number(events.rows[0]?.n)).toBe(2);
  });

  it("answers a stale parent with a conflict carrying the current head (S4)", async () => {
    const path = hexId();
    const first = file(path, 0, []);
    await commitVersions(t.ctx, actor, [first]);
    const second = file(path, 1, []);
    expect((await commitVersions(t.ctx, actor, [second]))[0]).toMatchObject({ status: "ok", version: 2 });
    const stale = await commitVersions(t.ctx, actor, [file(path, 1, [])]);
    expect(stale[0]).toMatchObject({ status: "conflict", head: { version: 2, manifest: second.manifest } });
    const fresh = await commitVersions(t.ctx, actor, [file(path, 0, [])]);
    expect(fresh[0]?.status).toBe("conflict");
  });

  it("treats the same operation sent twice as one version (S4)", async () => {
    const item = file(hexId(), 0, []);
    const [first] = await commitVersions(t.ctx, actor, [item]);
    const again = await commitVersions(t.ctx, actor, [item]);
    expect(again[0]).toMatchObject({ status: "ok", version: 1, replayed: true, seq: (first as { seq: number }).seq });
    const n = await t.ctx.db.execute("SELECT COUNT(*) AS n FROM versions");
    expect(Number(n.rows[0]?.n)).toBe(1);
  });

  it("refuses deleting a node that is not live and chunks on a folder", async () => {
    const path = hexId();
    const del = versionInput(path, folder, 0, [], "delete");
    expect((await commitVersions(t.ctx, actor, [del]))[0]?.status).toBe("invalid");
    const dir = { ...file(hexId(), 0, [await upload(10)]), kind: "dir" as const };
    expect((await commitVersions(t.ctx, actor, [dir]))[0]?.status).toBe("invalid");
  });

  it("does not see another account's chunks", async () => {
    const other = await createTestActor(t.ctx);
    const id = await upload(10);
    const result = await commitVersions(t.ctx, other, [file(hexId(), 0, [id])]);
    expect(result[0]).toMatchObject({ status: "missing_chunks", missing: [id] });
  });
});

describe("changes and snapshot", () => {
  it("pages the change log with next and hasMore", async () => {
    const items = Array.from({ length: 5 }, () => file(hexId(), 0, []));
    await commitVersions(t.ctx, actor, items);
    const scope = { kind: "user" as const, accountId: actor.accountId, vaultId: actor.vaultId };
    const page1 = await readChanges(t.ctx.db, scope, 0, 3);
    expect(page1.changes).toHaveLength(3);
    expect(page1.hasMore).toBe(true);
    const page2 = await readChanges(t.ctx.db, scope, page1.next, 3);
    expect(page2.changes).toHaveLength(2);
    expect(page2.hasMore).toBe(false);
    const seen = [...page1.changes, ...page2.changes].map((c) => (c.payload as { nodeId: string }).nodeId);
    expect(seen).toEqual(items.map((i) => i.nodeId));
    // Each change names the operation and the machine that wrote it (S7).
    expect(page1.changes.map((c) => [c.opId, c.machineId])).toEqual(items.slice(0, 3).map((i) => [i.opId, actor.machineId]));
    expect(page2.changes[0]?.type).toBe("FileVersionCommitted");
    const other = await createTestActor(t.ctx);
    expect((await readChanges(t.ctx.db, { kind: "user", accountId: other.accountId, vaultId: other.vaultId }, 0, 10)).changes).toEqual([]);
  });

  it("returns heads with their chunks and a cursor", async () => {
    const c = await upload(50);
    const items = Array.from({ length: 4 }, () => file(hexId(), 0, [c]));
    await commitVersions(t.ctx, actor, items);
    const scope = { kind: "user" as const, accountId: actor.accountId, vaultId: actor.vaultId };
    const first = await readSnapshot(t.ctx.db, scope, { after: "", limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.hasMore).toBe(true);
    const rest = await readSnapshot(t.ctx.db, scope, { after: first.nextAfter ?? "", limit: 3, cursor: first.cursor });
    expect(rest.hasMore).toBe(false);
    const all = [...first.items, ...rest.items];
    expect(all.map((i) => i.nodeId).sort()).toEqual(items.map((i) => i.nodeId).sort());
    expect(all.every((i) => i.chunks.length === 1 && i.chunks[0] === c)).toBe(true);
    const changes = await readChanges(t.ctx.db, scope, 0, 100);
    expect(first.cursor).toBe(changes.next);
  });
});

describe("group commit", () => {
  it("gives concurrent requests their own results: one wins a contested node", async () => {
    const path = hexId();
    const all = await Promise.all(Array.from({ length: 20 }, () => commitVersions(t.ctx, actor, [file(path, 0, [])])));
    const statuses = all.map((r) => r[0]?.status);
    expect(statuses.filter((s) => s === "ok")).toHaveLength(1);
    expect(statuses.filter((s) => s === "conflict")).toHaveLength(19);
  });

  it("fails only the request that breaks the shared transaction", async () => {
    const broken: Actor = { ...actor, meta: { actor: "x", requestId: 1n as unknown as string } };
    const good = Array.from({ length: 5 }, () => commitVersions(t.ctx, actor, [file(hexId(), 0, [])]));
    const bad = commitVersions(t.ctx, broken, [file(hexId(), 0, [])]);
    await expect(bad).rejects.toThrow(/BigInt/);
    for (const r of await Promise.all(good)) expect(r[0]?.status).toBe("ok");
    const n = await t.ctx.db.execute("SELECT COUNT(*) AS n FROM events");
    expect(Number(n.rows[0]?.n)).toBe(5);
  });
});
