// The chunk index (K3): records, renames and forgets files' chunks in a real SQLite file.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStateDb } from "../../../lib/agent/state/db.ts";
import { ChunkIndex, CHUNK_INDEX_SCHEMA } from "../../../lib/agent/transfer/chunk-index.ts";
import { UploadProgressStore } from "../../../lib/agent/transfer/upload-progress.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-index-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stamp = { size: 30, mtimeMs: 1.5, ino: 7, mode: 0o100644 };
const c = (n: number) => String(n).repeat(64).slice(0, 64);

describe("ChunkIndex", () => {
  it("finds chunks by id, follows renames, forgets files, and survives a reopen", async () => {
    const path = join(dir, "state.db");
    const db = await openStateDb(path, [CHUNK_INDEX_SCHEMA]);
    const index = await ChunkIndex.open(db);
    await index.recordFile("docs/a.txt", [{ id: c(1), size: 10 }, { id: c(2), size: 20 }], stamp);
    await index.recordFile("docs/sub/b.txt", [{ id: c(3), size: 5 }], stamp);
    await index.recordFile("docs2/x", [{ id: c(4), size: 5 }], stamp);
    let found = await index.lookup([c(1), c(2), c(3), c(5)]);
    expect(found.get(c(2))).toMatchObject({ relPath: "docs/a.txt", offset: 10, size: 20, stamp: { size: 30, mtimeMs: 1.5, ino: 7 } });
    expect(found.has(c(5))).toBe(false);

    await index.recordFile("docs/a.txt", [{ id: c(6), size: 30 }], stamp);
    expect((await index.lookup([c(1)])).size).toBe(0);

    await index.movePrefix("docs", "papers");
    found = await index.lookup([c(3), c(4), c(6)]);
    expect(found.get(c(3))?.relPath).toBe("papers/sub/b.txt");
    expect(found.get(c(6))?.relPath).toBe("papers/a.txt");
    expect(found.get(c(4))?.relPath).toBe("docs2/x");

    await index.forgetFile("papers/a.txt");
    await index.flush();
    db.close();
    const again = await ChunkIndex.open(await openStateDb(path));
    found = await again.lookup([c(3), c(6)]);
    expect([...found.keys()]).toEqual([c(3)]);
  });
});

describe("ChunkIndex queued writes", () => {
  it("applies records, forgets and renames queued together in their order, the last change of a path winning", async () => {
    const db = await openStateDb(join(dir, "queued.db"), [CHUNK_INDEX_SCHEMA]);
    const index = await ChunkIndex.open(db);
    // None of these is awaited alone: they land in one write.
    void index.recordFile("x", [{ id: c(1), size: 10 }], stamp);
    void index.forgetFile("x");
    void index.recordFile("x", [{ id: c(2), size: 10 }, { id: c(3), size: 20 }], stamp);
    void index.recordFile("y", [{ id: c(4), size: 10 }], stamp);
    void index.forgetFile("y");
    void index.recordFile("docs/a", [{ id: c(5), size: 10 }], stamp);
    void index.movePrefix("docs", "papers");
    void index.recordFile("docs/a", [{ id: c(6), size: 10 }], { ...stamp, ino: 9 });
    void index.movePrefix("papers/a", "papers/a"); // a rename onto itself changes nothing
    void index.forgetFile("never-recorded");
    const found = await index.lookup([c(1), c(2), c(3), c(4), c(5), c(6)]);
    expect([...found.keys()].sort()).toEqual([c(2), c(3), c(5), c(6)].sort());
    expect(found.get(c(3))).toMatchObject({ relPath: "x", offset: 10, size: 20 });
    expect(found.get(c(5))?.relPath).toBe("papers/a");
    expect(found.get(c(6))).toMatchObject({ relPath: "docs/a", stamp: { ino: 9 } });
    db.close();
  });

  it("answers from writes not stored yet, without storing them first", async () => {
    const db = await openStateDb(join(dir, "overlay.db"), [CHUNK_INDEX_SCHEMA]);
    const index = await ChunkIndex.open(db);
    await index.recordFile("kept", [{ id: c(1), size: 10 }], stamp);
    await index.recordFile("gone", [{ id: c(2), size: 10 }], stamp);
    await index.recordFile("changed", [{ id: c(3), size: 10 }], stamp);
    await index.flush();
    const rows = async () => Number((await db.execute("SELECT COUNT(*) AS n FROM chunk_index")).rows[0]?.n);
    expect(await rows()).toBe(3);
    // Queued, not stored: a new file, a forgotten one, one whose content changed.
    void index.recordFile("new", [{ id: c(4), size: 7 }, { id: c(5), size: 9 }], { ...stamp, ino: 11 });
    void index.forgetFile("gone");
    void index.recordFile("changed", [{ id: c(6), size: 10 }], stamp);
    const found = await index.lookup([c(1), c(2), c(3), c(4), c(5), c(6)]);
    expect([...found.keys()].sort()).toEqual([c(1), c(4), c(5), c(6)].sort());
    expect(found.get(c(5))).toMatchObject({ relPath: "new", offset: 7, size: 9, stamp: { ino: 11 } });
    expect(await rows()).toBe(3); // nothing was written for the lookup
    await index.flush();
    expect(await rows()).toBe(4);
    // A queued rename is applied before answering.
    void index.movePrefix("new", "renamed");
    expect((await index.lookup([c(4)])).get(c(4))?.relPath).toBe("renamed");
    db.close();
  });

  it("records thousands of files in few statements and finds every chunk", async () => {
    const db = await openStateDb(join(dir, "many.db"), [CHUNK_INDEX_SCHEMA]);
    const index = await ChunkIndex.open(db);
    const id = (n: number) => n.toString(16).padStart(64, "0");
    for (let i = 0; i < 5000; i++) void index.recordFile(`d${i % 50}/f${i}`, [{ id: id(2 * i), size: 100 }, { id: id(2 * i + 1), size: 50 }], { ...stamp, mtimeMs: 1_700_000_000_123.456 + i });
    const found = await index.lookup(Array.from({ length: 10_000 }, (_, n) => id(n)));
    expect(found.size).toBe(10_000);
    expect(found.get(id(7777))).toMatchObject({ relPath: "d38/f3888", offset: 100, size: 50, stamp: { mtimeMs: 1_700_000_000_123.456 + 3888 } });
    db.close();
  });
});

describe("UploadProgressStore", () => {
  it("keeps a gap-free prefix for the same stamp and epoch, and discards other progress", async () => {
    const db = await openStateDb(join(dir, "progress.db"));
    const store = await UploadProgressStore.open(db);
    await store.record("f", stamp, 1, { index: 0, offset: 0, id: c(1), size: 10 });
    await store.record("f", stamp, 1, { index: 1, offset: 10, id: c(2), size: 10 });
    await store.record("f", stamp, 1, { index: 3, offset: 30, id: c(4), size: 10 });
    expect((await store.resume("f", stamp, 1)).map((x) => x.index)).toEqual([0, 1]);
    expect(await store.resume("f", { ...stamp, mtimeMs: 2 }, 1)).toEqual([]);
    expect(await store.paths()).toEqual([]);
    await store.record("f", stamp, 1, { index: 0, offset: 0, id: c(1), size: 10 });
    expect(await store.resume("f", stamp, 2)).toEqual([]);
    db.close();
  });
});
