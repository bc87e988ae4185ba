/**
 * Trash, restores and purge on a real SQLite file and chunk folder (S5, S8):
 * restore to the original path or beside an occupant, version restore with
 * chunk checks, and a purge that frees unshared chunks only.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/server/files/actor.ts";
import { commitVersions } from "../../lib/server/files/commit.ts";
import { listTrash, listVersions } from "../../lib/server/files/history.ts";
import { purgeTrash } from "../../lib/server/files/purge.ts";
import type { VersionInput } from "../../lib/server/files/record.ts";
import { restoreFromTrash, restoreVersion } from "../../lib/server/files/restore.ts";
import { checkConsistency } from "../../lib/server/files/consistency.ts";
import { blob, createTestActor, createTestContext, hexId, uploadRandomChunk, versionInput, type TestServerContext } from "./helpers/context.ts";
import { storageKey } from "../../lib/server/chunks/storage-key.ts";

let t: TestServerContext;
let actor: Actor;
const folder = hexId();

beforeEach(async () => {
  t = await createTestContext();
  actor = await createTestActor(t.ctx);
});
afterEach(async () => t.cleanup());

const upload = (bytes = 64): Promise<string> => uploadRandomChunk(t.ctx, actor, bytes);
const version = (pathId: string, parentVersion: number, chunks: string[], kind: VersionInput["kind"] = "file"): VersionInput =>
  versionInput(pathId, folder, parentVersion, chunks, kind);

async function ok(items: VersionInput[]): Promise<void> {
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
    expect(trash).toMatchObject([{ pathId: path, deletedVersion: 2, liveVersion: 1, pathFree: true }]);
    const manifest = blob();
    const outcome = await restoreFromTrash(t.ctx, actor, {
      pathId: path,
      deletedVersion: 2,
      chunks: [c],
      original: { parentVersion: 2, manifest },
      alternative: { pathId: hexId(), encName: blob(), parentVersion: 0, manifest: blob() },
    });
    expect(outcome).toMatchObject({ used: "original", result: { status: "ok", version: 3 } });
    expect(await listTrash(t.ctx.db, actor.vaultId, { limit: 10 })).toEqual([]);
    const versions = await listVersions(t.ctx.db, actor.vaultId, path);
    expect(versions[0]).toMatchObject({ version: 3, kind: "file", manifest, chunks: [c], origin: { type: "trash-restore", asCopy: false } });
    // The restore names the deletion it undoes as its cause (E1).
    const events = await t.ctx.db.execute({
      sql: "SELECT id, stream_version, meta FROM events WHERE stream = ? ORDER BY stream_version",
      args: [`file:${actor.vaultId}:${path}`],
    });
    const [, deletion, restore] = events.rows;
    expect(JSON.parse(restore?.meta as string)).toMatchObject({ causationId: deletion?.id });
  });

  it("restores beside the original when a new file occupies the path", async () => {
    const c = await upload();
    const path = await createAndDelete([c]);
    await ok([version(path, 2, [])]);
    const sibling = hexId();
    const outcome = await restoreFromTrash(t.ctx, actor, {
      pathId: path,
      deletedVersion: 2,
      chunks: [c],
      original: { parentVersion: 3, manifest: blob() },
      alternative: { pathId: sibling, encName: blob(), parentVersion: 0, manifest: blob() },
    });
    expect(outcome).toMatchObject({ used: "alternative", result: { pathId: sibling, status: "ok", version: 1 } });
    const head = await t.ctx.db.execute({ sql: "SELECT kind, head_version FROM tree WHERE path_id = ?", args: [path] });
    expect(head.rows[0]).toMatchObject({ kind: "file", head_version: 3 });
    const copy = await listVersions(t.ctx.db, actor.vaultId, sibling);
    expect(copy[0]).toMatchObject({ parentId: folder, chunks: [c], origin: { type: "trash-restore", asCopy: true } });
  });

  it("refuses chunk ids that differ from the deleted version and unknown entries", async () => {
    const c = await upload();
    const path = await createAndDelete([c]);
    const request = {
      pathId: path,
      deletedVersion: 2,
      chunks: [await upload()],
      original: { parentVersion: 2, manifest: blob() },
      alternative: { pathId: hexId(), encName: blob(), parentVersion: 0, manifest: blob() },
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
      restoreVersion(t.ctx, actor, { pathId: path, version: 1, parentVersion: 2, manifest: blob(), chunks: [b] }),
    ).rejects.toMatchObject({ status: 422 });
    const stale = await restoreVersion(t.ctx, actor, { pathId: path, version: 1, parentVersion: 1, manifest: blob(), chunks: [a] });
    expect(stale.status).toBe("conflict");
    const result = await restoreVersion(t.ctx, actor, { pathId: path, version: 1, parentVersion: 2, manifest: blob(), chunks: [a] });
    expect(result).toMatchObject({ status: "ok", version: 3 });
    const events = await t.ctx.db.execute({
      sql: "SELECT id, meta FROM events WHERE stream = ? ORDER BY stream_version",
      args: [`file:${actor.vaultId}:${path}`],
    });
    expect(JSON.parse(events.rows[2]?.meta as string)).toMatchObject({ causationId: events.rows[0]?.id });
    const versions = await listVersions(t.ctx.db, actor.vaultId, path);
    expect(versions.map((v) => [v.version, v.chunks[0]])).toEqual([
      [3, a],
      [2, b],
      [1, a],
    ]);
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
    expect(await listTrash(t.ctx.db, actor.vaultId, { limit: 10 })).toEqual([]);
    const report = await checkConsistency(t.ctx.db, t.ctx.store, { deep: true });
    expect(report.problems).toEqual([]);
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
