/**
 * Trash, restores and purge on a real SQLite file and chunk folder (S5, S8):
 * restore to the original place or under another name when a live node
 * holds the name, version restore with chunk checks, and a purge that frees
 * unshared chunks only.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/server/files/actor.ts";
import { commitVersions } from "../../lib/server/files/commit.ts";
import { listTrash, listVersions } from "../../lib/server/files/history.ts";
import { purgeTrash } from "../../lib/server/files/purge.ts";
import type { CommitItem } from "../../lib/server/files/version-input.ts";
import { restoreFromTrash, restoreVersion } from "../../lib/server/files/restore.ts";
import { checkConsistency } from "../../lib/server/files/consistency.ts";
import { createTestActor, createTestContext, uploadRandomChunk, versionInput, type TestServerContext } from "./helpers/context.ts";
import { encBlob as blob, nodeId as hexId, opId, ROOT_NODE_ID } from "./helpers/nodes.ts";
import { storageKey } from "../../lib/server/chunks/storage-key.ts";

let t: TestServerContext;
let actor: Actor;
const folder = ROOT_NODE_ID;

beforeEach(async () => {
  t = await createTestContext();
  actor = await createTestActor(t.ctx);
});
afterEach(async () => t.cleanup());

const upload = (bytes = 64): Promise<string> => uploadRandomChunk(t.ctx, actor, bytes);
const version = (id: string, baseVersion: number, chunks: string[], kind: CommitItem["kind"] = "file"): CommitItem =>
  versionInput(id, folder, baseVersion, chunks, kind);

async function ok(items: CommitItem[]): Promise<void> {
  const results = await commitVersions(t.ctx, actor, items);
  expect(results.map((r) => r.status)).toEqual(items.map(() => "ok"));
}

async function createAndDelete(chunks: string[]): Promise<string> {
  const path = hexId();
  await ok([version(path, 0, chunks)]);
  await ok([version(path, 1, [], "delete")]);
  return path;
}

describe("trash", () => {
  it("lists a deletion and restores it to its original path", async () => {
    const c = await upload();
    const path = await createAndDelete([c]);
    const trash = await listTrash(t.ctx.db, actor.vaultId, { limit: 10 });
    expect(trash.items).toMatchObject([{ nodeId: path, deletedVersion: 2, liveVersion: 1, restoresTo: "original" }]);
    const manifest = blob();
    const outcome = await restoreFromTrash(t.ctx, actor, {
      opId: opId(),
      nodeId: path,
      deletedVersion: 2,
      chunks: [c],
      original: { manifest },
      alternative: { encName: blob(), manifest: blob() },
    });
    expect(outcome).toMatchObject({ used: "original", result: { status: "ok", version: 3 } });
    expect((await listTrash(t.ctx.db, actor.vaultId, { limit: 10 })).items).toEqual([]);
    const { versions } = await listVersions(t.ctx.db, actor.vaultId, path, { limit: 10 });
    expect(versions[0]).toMatchObject({ version: 3, kind: "file", manifest, chunks: [c], origin: { type: "trash-restore", place: "original" } });
    // The restore names the deletion it undoes as its cause (E1).
    const events = await t.ctx.db.execute({
      sql: "SELECT id, stream_version, meta FROM events WHERE stream = ? ORDER BY stream_version",
      args: [`file:${actor.vaultId}:${path}`],
    });
    const [, deletion, restore] = events.rows;
    expect(JSON.parse(restore?.meta as string)).toMatchObject({ causationId: deletion?.id });
  });

  it("restores under the alternative name when a new node holds the name (S5)", async () => {
    const c = await upload();
    const path = hexId();
    const first = version(path, 0, [c]);
    await ok([first]);
    await ok([version(path, 1, [], "delete")]);
    const occupant = hexId();
    await ok([{ ...version(occupant, 0, []), encName: first.encName ?? "" }]);
    expect((await listTrash(t.ctx.db, actor.vaultId, { limit: 10 })).items[0]?.restoresTo).toBe("alternative");
    const altName = blob();
    const outcome = await restoreFromTrash(t.ctx, actor, {
      opId: opId(),
      nodeId: path,
      deletedVersion: 2,
      chunks: [c],
      original: { manifest: blob() },
      alternative: { encName: altName, manifest: blob() },
    });
    expect(outcome).toMatchObject({ used: "alternative", result: { nodeId: path, status: "ok", version: 3 } });
    const head = await t.ctx.db.execute({ sql: "SELECT kind, head_version, enc_name FROM tree WHERE node_id = ?", args: [occupant] });
    expect(head.rows[0]).toMatchObject({ kind: "file", head_version: 1, enc_name: first.encName ?? "" });
    const { versions } = await listVersions(t.ctx.db, actor.vaultId, path, { limit: 10 });
    expect(versions[0]).toMatchObject({ parentId: folder, encName: altName, chunks: [c], origin: { type: "trash-restore", place: "alternative" } });
  });

  it("refuses chunk ids that differ from the deleted version and unknown entries", async () => {
    const c = await upload();
    const path = await createAndDelete([c]);
    const request = {
      opId: opId(),
      nodeId: path,
      deletedVersion: 2,
      chunks: [await upload()],
      original: { manifest: blob() },
      alternative: { encName: blob(), manifest: blob() },
    };
    await expect(restoreFromTrash(t.ctx, actor, request)).rejects.toMatchObject({ status: 422 });
    await expect(restoreFromTrash(t.ctx, actor, { ...request, chunks: [c], deletedVersion: 9 })).rejects.toMatchObject({ status: 404 });
  });
});

describe("version restore (S8)", () => {
  it("makes an old version head again with the same chunks", async () => {
    const [a, b] = [await upload(), await upload()];
    const path = hexId();
    await ok([version(path, 0, [a])]);
    await ok([version(path, 1, [b])]);
    await expect(
      restoreVersion(t.ctx, actor, { opId: opId(), nodeId: path, version: 1, baseVersion: 2, manifest: blob(), chunks: [b] }),
    ).rejects.toMatchObject({ status: 422 });
    const stale = await restoreVersion(t.ctx, actor, { opId: opId(), nodeId: path, version: 1, baseVersion: 1, manifest: blob(), chunks: [a] });
    expect(stale.status).toBe("conflict");
    const request = { opId: opId(), nodeId: path, version: 1, baseVersion: 2, manifest: blob(), chunks: [a] };
    const result = await restoreVersion(t.ctx, actor, request);
    expect(result).toMatchObject({ status: "ok", version: 3 });
    // A retry of the same operation answers the first result (S4).
    expect(await restoreVersion(t.ctx, actor, request)).toMatchObject({ status: "ok", version: 3, replayed: true });
    const events = await t.ctx.db.execute({
      sql: "SELECT id, meta FROM events WHERE stream = ? ORDER BY stream_version",
      args: [`file:${actor.vaultId}:${path}`],
    });
    expect(JSON.parse(events.rows[2]?.meta as string)).toMatchObject({ causationId: events.rows[0]?.id });
    const { versions } = await listVersions(t.ctx.db, actor.vaultId, path, { limit: 10 });
    expect(versions.map((v) => [v.version, v.chunks[0]])).toEqual([
      [3, a],
      [2, b],
      [1, a],
    ]);
  });
});

describe("restores the tree cannot take", () => {
  it("answers why: a deleted node, a node inside a deleted folder, a taken alternative name", async () => {
    const c = await upload();
    const [folderId, file, other] = [hexId(), hexId(), hexId()];
    const otherItem = version(other, 0, []);
    await ok([version(folderId, 0, [], "dir"), versionInput(file, folderId, 0, [c]), otherItem]);
    await ok([versionInput(file, folderId, 1, [c])]);
    await ok([version(folderId, 1, [], "delete")]);
    // Inside a deleted folder: no update, no version restore.
    expect((await commitVersions(t.ctx, actor, [versionInput(file, folderId, 2, [c])]))[0]).toMatchObject({ status: "parent_not_live" });
    const restore = { opId: opId(), nodeId: file, version: 1, baseVersion: 2, manifest: blob(), chunks: [c] };
    expect(await restoreVersion(t.ctx, actor, restore)).toMatchObject({ status: "parent_not_live", parent: { nodeId: folderId, state: "deleted" } });
    // A deleted node: no commit, no version restore.
    expect((await commitVersions(t.ctx, actor, [version(folderId, 2, [], "dir")]))[0]).toMatchObject({ status: "invalid" });
    await expect(restoreVersion(t.ctx, actor, { ...restore, opId: opId(), nodeId: folderId, version: 1, chunks: [] })).rejects.toMatchObject({
      status: 422,
    });
    // The folder's name taken meanwhile, and the alternative name too: 409 name_taken, nothing recorded.
    await ok([{ ...version(hexId(), 0, [], "dir"), encName: (await listTrash(t.ctx.db, actor.vaultId, { limit: 1 })).items[0]?.encName ?? "" }]);
    const outcome = await restoreFromTrash(t.ctx, actor, {
      opId: opId(),
      nodeId: folderId,
      deletedVersion: 2,
      chunks: [],
      original: { manifest: blob() },
      alternative: { encName: otherItem.encName ?? "", manifest: blob() },
    });
    expect(outcome).toMatchObject({ used: "alternative", result: { status: "name_taken", existing: { nodeId: other } } });
    expect((await listTrash(t.ctx.db, actor.vaultId, { limit: 10 })).items.map((e) => e.nodeId)).toEqual([folderId]);
  });
});

describe("purge (S5)", () => {
  it("deletes chunks only the purged file used, keeps shared ones, and respects the cutoff", async () => {
    const shared = await upload();
    const only = await upload(1000);
    await createAndDelete([shared, only]);
    const live = hexId();
    await ok([version(live, 0, [shared])]);
    const kept = await purgeTrash(t.ctx, { olderThanDays: 30, reason: "cli" });
    expect(kept.entriesPurged).toBe(0);
    expect(await t.ctx.store.has(storageKey(actor.vaultId, only))).toBe(true);
    const result = await purgeTrash(t.ctx, { olderThanDays: 0, reason: "cli", now: Date.now() + 1 });
    expect(result).toMatchObject({ entriesPurged: 1, chunksDeleted: 1, bytesFreed: 1000 });
    expect(await t.ctx.store.has(storageKey(actor.vaultId, only))).toBe(false);
    expect(await t.ctx.store.has(storageKey(actor.vaultId, shared))).toBe(true);
    expect((await listTrash(t.ctx.db, actor.vaultId, { limit: 10 })).items).toEqual([]);
    const report = await checkConsistency(t.ctx.db, t.ctx.store, { deep: true });
    expect(report.problems).toEqual([]);
  });

  it("purges a folder's entry with its subtree, and the entries inside it with it (one event)", async () => {
    const only = await upload(700);
    const folderId = "0".repeat(31) + "1";
    const child = "f".repeat(32);
    await ok([version(folderId, 0, [], "dir"), versionInput(child, folderId, 0, [only])]);
    // The child deleted first, then the folder: two entries, of one millisecond.
    await ok([version(child, 1, [], "delete"), version(folderId, 1, [], "delete")]);
    const result = await purgeTrash(t.ctx, { olderThanDays: 0, reason: "cli", now: Date.now() + 1 });
    expect(result).toMatchObject({ entriesPurged: 1, chunksDeleted: 1, bytesFreed: 700 });
    const events = await t.ctx.db.execute("SELECT payload FROM events WHERE type = 'TrashPurged'");
    expect(events.rows.map((r) => (JSON.parse(r.payload as string) as { nodeId: string }).nodeId)).toEqual([folderId]);
    const rows = await t.ctx.db.execute({ sql: "SELECT COUNT(*) AS n FROM versions WHERE node_id = ?", args: [child] });
    expect(Number(rows.rows[0]?.n)).toBe(0);
    expect((await checkConsistency(t.ctx.db, t.ctx.store, { deep: true })).problems).toEqual([]);
  });

  it("removes old uploads nothing committed, but not recent ones", async () => {
    const orphan = await upload();
    const none = await purgeTrash(t.ctx, { olderThanDays: 30, reason: "retention" });
    expect(none.chunksDeleted).toBe(0);
    const later = await purgeTrash(t.ctx, { olderThanDays: 30, reason: "retention", now: Date.now() + 2 * 86_400_000 });
    expect(later.chunksDeleted).toBe(1);
    expect(await t.ctx.store.has(storageKey(actor.vaultId, orphan))).toBe(false);
  });
});
