/**
 * Rebuilding projections from events (E3), dead letters (E4) and change-log
 * cleaning with its watermark (S7), on a real SQLite file.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listDeadLetters } from "../../lib/events/dead-letter.ts";
import { putChunk } from "../../lib/server/chunks/service.ts";
import type { Actor } from "../../lib/server/files/actor.ts";
import { readChanges } from "../../lib/server/files/changes.ts";
import { readSnapshot } from "../../lib/server/files/snapshot.ts";
import { commitVersions } from "../../lib/server/files/commit.ts";
import { checkConsistency } from "../../lib/server/files/consistency.ts";
import { purgeTrash } from "../../lib/server/files/purge.ts";
import { dumpProjections, rebuildProjections } from "../../lib/server/files/rebuild.ts";
import type { CommitItem } from "../../lib/server/files/version-input.ts";
import { restoreFromTrash, restoreVersion } from "../../lib/server/files/restore.ts";
import { trimChangeLog } from "../../lib/server/files/retention.ts";
import { createTestActor, createTestContext, hexId as chunkId, versionInput, type TestServerContext } from "./helpers/context.ts";
import { encBlob as blob, nodeId as hexId, opId, ROOT_NODE_ID } from "./helpers/nodes.ts";
import { waitFor } from "../helpers/wait.ts";

let t: TestServerContext;
let actor: Actor;

beforeEach(async () => {
  t = await createTestContext();
  actor = await createTestActor(t.ctx);
});
afterEach(async () => t.cleanup());

const version = (id: string, baseVersion: number, chunks: string[], kind: CommitItem["kind"] = "file", parent = ROOT_NODE_ID): CommitItem =>
  versionInput(id, parent, baseVersion, chunks, kind);

/** A history touching every projection: commits, moves, deletes, restores, purges (a folder's subtree too). */
async function buildHistory(): Promise<void> {
  const chunks: string[] = [];
  for (let i = 0; i < 8; i++) {
    const id = chunkId();
    await putChunk(t.ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" }, id, new Uint8Array(100 + i));
    chunks.push(id);
  }
  const [a, b, c, d] = [hexId(), hexId(), hexId(), hexId()];
  const second: Actor = { ...actor, machineId: "m2" };
  const [e, f] = [hexId(), hexId()];
  const ok = async (who: Actor, items: CommitItem[]): Promise<void> => {
    const results = await commitVersions(t.ctx, who, items);
    expect(results.map((r) => r.status)).toEqual(items.map(() => "ok"));
  };
  await ok(actor, [version(a, 0, [chunks[0] ?? ""]), version(b, 0, [chunks[1] ?? "", chunks[2] ?? ""]), version(c, 0, [], "dir")]);
  await ok(second, [version(a, 1, [chunks[3] ?? ""], "file", c), version(b, 1, [], "delete"), version(d, 0, [chunks[4] ?? ""])]);
  await restoreVersion(t.ctx, actor, { opId: opId(), nodeId: a, version: 1, baseVersion: 2, manifest: blob(), chunks: [chunks[0] ?? ""] });
  await restoreFromTrash(t.ctx, actor, {
    opId: opId(),
    nodeId: b,
    deletedVersion: 2,
    chunks: [chunks[1] ?? "", chunks[2] ?? ""],
    original: { manifest: blob() },
    alternative: { encName: blob(), manifest: blob() },
  });
  await ok(second, [version(d, 1, [], "delete")]);
  // A folder with a file, deleted as one entry; purged with its subtree below.
  await ok(actor, [version(e, 0, [], "dir"), version(f, 0, [chunks[6] ?? ""], "file", e)]);
  await ok(actor, [version(e, 1, [], "delete")]);
  await purgeTrash(t.ctx, { olderThanDays: 0, reason: "cli", now: Date.now() + 1 });
  await ok(actor, [version(hexId(), 0, [chunks[5] ?? ""])]);
}

describe("rebuildProjections", () => {
  it("gives identical tables", async () => {
    await buildHistory();
    const before = await dumpProjections(t.ctx.db);
    expect(before.versions?.length).toBeGreaterThan(5);
    expect(before.machine_stats).toHaveLength(2);
    await t.ctx.db.execute("DELETE FROM tree");
    await t.ctx.db.execute("UPDATE machine_stats SET bytes_committed = 0");
    const result = await rebuildProjections(t.ctx);
    expect(result.deadLettered).toBe(0);
    expect(await dumpProjections(t.ctx.db)).toEqual(before);
  });

  it("gives identical tables after grouped commits that touch one path several times", async () => {
    const c = chunkId();
    await putChunk(t.ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" }, c, new Uint8Array(10));
    const [p, q, r] = [hexId(), hexId(), hexId()];
    const second: Actor = { ...actor, machineId: "m2" };
    // Queued together: they share one group transaction after the first.
    const results = await Promise.all([
      commitVersions(t.ctx, actor, [version(q, 0, [], "dir")]),
      commitVersions(t.ctx, actor, [version(p, 0, [c]), version(p, 1, [c, c], "file", q)]),
      commitVersions(t.ctx, second, [version(p, 2, [], "delete")]),
      commitVersions(t.ctx, actor, [version(r, 0, [c], "file", q)]),
    ]);
    expect(results.flat().map((x) => x.status)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    const before = await dumpProjections(t.ctx.db);
    expect(before.trash).toHaveLength(1);
    expect(before.version_chunks).toHaveLength(4);
    const ops = await t.ctx.db.execute("SELECT COUNT(DISTINCT op_id) AS n FROM versions");
    expect(Number(ops.rows[0]?.n)).toBe(5);
    await rebuildProjections(t.ctx);
    expect(await dumpProjections(t.ctx.db)).toEqual(before);
  });

  it("dead-letters a poison event and still applies the others", async () => {
    await buildHistory();
    const before = await dumpProjections(t.ctx.db);
    await t.ctx.db.execute({
      sql: `INSERT INTO events (id, account_id, vault_id, stream, stream_version, type, version, ts, payload, meta)
            VALUES (?, ?, ?, 'file:x', 1, 'FileVersionCommitted', 9, ?, '{}', '{}')`,
      args: [hexId(), actor.accountId, actor.vaultId, Date.now()],
    });
    const result = await rebuildProjections(t.ctx);
    expect(result.deadLettered).toBe(1);
    expect(await dumpProjections(t.ctx.db)).toEqual(before);
    const letters = await listDeadLetters(t.ctx.db);
    expect(letters).toMatchObject([{ type: "FileVersionCommitted", version: 9, handler: "rebuild" }]);
    expect(letters[0]?.error).toMatch(/Unknown event: FileVersionCommitted v9/);
    const report = await checkConsistency(t.ctx.db, t.ctx.store);
    expect(report.ok).toBe(false);
  });
});

describe("consistency check of the tree", () => {
  it("reports an orphan, a cycle and two live children with one name", async () => {
    const [a, b] = [hexId(), hexId()];
    const results = await commitVersions(t.ctx, actor, [version(a, 0, [], "dir"), version(b, 0, [], "dir", a)]);
    expect(results.map((r) => r.status)).toEqual(["ok", "ok"]);
    expect((await checkConsistency(t.ctx.db, t.ctx.store)).problems).toEqual([]);
    // Break the projection behind the events' back: each breach is named.
    await t.ctx.db.execute({ sql: "UPDATE tree SET parent_id = ? WHERE node_id = ?", args: [b, a] });
    await t.ctx.db.execute({
      sql: `INSERT INTO tree (account_id, vault_id, node_id, parent_id, enc_name, kind, head_version, manifest, size, seq, updated_at)
            SELECT account_id, vault_id, ?, parent_id, enc_name, kind, 1, manifest, 0, 0, 0 FROM tree WHERE node_id = ?
            UNION ALL SELECT account_id, vault_id, ?, ?, 'x', 'file', 1, 'x', 0, 0, 0 FROM tree WHERE node_id = ?`,
      args: [hexId(), b, hexId(), hexId(), b],
    });
    const { problems } = await checkConsistency(t.ctx.db, t.ctx.store);
    expect(problems.some((p) => /is its own ancestor \(cycle\)/.test(p))).toBe(true);
    expect(problems.some((p) => /has no row \(orphan\)/.test(p))).toBe(true);
    expect(problems.some((p) => /2 live children share one name/.test(p))).toBe(true);
  });
});

describe("change-log cleaning (S7)", () => {
  it("keeps projections, rebuilds identically from the checkpoint, and answers old cursors with 410", async () => {
    await buildHistory();
    const scope = { kind: "user" as const, accountId: actor.accountId, vaultId: actor.vaultId };
    const all = await readChanges(t.ctx.db, scope, 0, 1000);
    const cut = all.changes[4];
    if (!cut) throw new Error("history too short");
    // Age the first five events past the retention, and the projections with them.
    await t.ctx.db.execute({ sql: "UPDATE events SET ts = ts - ? WHERE seq <= ?", args: [40 * 86_400_000, cut.seq] });
    await rebuildProjections(t.ctx);
    const before = await dumpProjections(t.ctx.db);
    const trimmed = await trimChangeLog(t.ctx, { olderThanDays: 30 });
    expect(trimmed.eventsTrimmed).toBe(5);
    expect(trimmed.watermarks[actor.vaultId]).toBe(cut.seq);
    expect(await dumpProjections(t.ctx.db)).toEqual(before);
    await expect(readChanges(t.ctx.db, scope, 0, 10)).rejects.toMatchObject({ status: 410, code: "cursor_expired" });
    const rest = await readChanges(t.ctx.db, scope, cut.seq, 1000);
    expect(rest.changes.map((c) => c.seq)).toEqual(all.changes.slice(5).map((c) => c.seq));
    await rebuildProjections(t.ctx);
    expect(await dumpProjections(t.ctx.db)).toEqual(before);
    const snapshot = await readSnapshot(t.ctx.db, scope, { after: "", limit: 100 });
    expect(snapshot.cursor).toBe(all.next);
    expect((await checkConsistency(t.ctx.db, t.ctx.store, { deep: true })).problems).toEqual([]);
  });
});

describe("a folder purge after log cleaning (S5, S7, E3)", () => {
  it("removes exactly the nodes below the folder in the live tree, from live and checkpoint tables alike", async () => {
    const [folder, child, stays] = [hexId(), hexId(), hexId()];
    const ok = async (items: CommitItem[]): Promise<void> => {
      expect((await commitVersions(t.ctx, actor, items)).map((r) => r.status)).toEqual(items.map(() => "ok"));
    };
    await ok([version(folder, 0, [], "dir"), version(child, 0, [], "file", folder), version(stays, 0, [], "file", folder)]);
    await ok([version(child, 1, [], "delete")]);
    await ok([version(folder, 1, [], "delete")]);
    // The checkpoint holds the child (deleted) below the deleted folder.
    expect((await trimChangeLog(t.ctx, { olderThanDays: 0, now: Date.now() + 1000 })).eventsTrimmed).toBe(5);
    // The child is restored to the root, then the folder's entry is purged.
    const restored = await restoreFromTrash(t.ctx, actor, {
      opId: opId(),
      nodeId: child,
      deletedVersion: 2,
      chunks: [],
      original: { manifest: blob() },
      alternative: { parentId: ROOT_NODE_ID, encName: blob(), manifest: blob() },
    });
    expect(restored).toMatchObject({ used: "alternative", result: { status: "ok", version: 3 } });
    await purgeTrash(t.ctx, { olderThanDays: 0, reason: "cli", now: Date.now() + 1 });
    const purged = await t.ctx.db.execute("SELECT payload FROM events WHERE type = 'TrashPurged'");
    expect(purged.rows.map((r) => JSON.parse(r.payload as string) as { nodeId: string; below: string[] })).toEqual([
      expect.objectContaining({ nodeId: folder, below: [stays] }),
    ]);
    const versions = await t.ctx.db.execute({ sql: "SELECT version FROM versions WHERE node_id = ? ORDER BY version", args: [child] });
    expect(versions.rows.map((r) => Number(r.version))).toEqual([1, 2, 3]);
    const report = await checkConsistency(t.ctx.db, t.ctx.store);
    expect(report.problems).toEqual([]);
    const before = await dumpProjections(t.ctx.db);
    await rebuildProjections(t.ctx);
    expect(await dumpProjections(t.ctx.db)).toEqual(before);
    // The purged node's id stays taken in the checkpoint too.
    const cp = await t.ctx.db.execute("SELECT node_id FROM cp_purged_nodes");
    expect(cp.rows.map((r) => r.node_id)).toEqual([stays]);
  });
});

describe("event listeners (E4)", () => {
  it("dead-letters the events a failing listener threw on, and still calls the others", async () => {
    const seen: number[] = [];
    t.ctx.bus.subscribe(() => {
      throw new Error("listener broke");
    });
    t.ctx.bus.subscribe((events) => seen.push(...events.map((e) => e.seq)));
    const [result] = await commitVersions(t.ctx, actor, [version(hexId(), 0, [])]);
    expect(result?.status).toBe("ok");
    expect(seen).toHaveLength(1);
    const letters = await waitFor("the dead letter of the failing listener", async () => {
      const found = await listDeadLetters(t.ctx.db);
      return found.length > 0 ? found : null;
    });
    expect(letters).toMatchObject([{ eventSeq: seen[0], handler: "bus", error: "Error: listener broke", attempts: 1 }]);
  });
});
