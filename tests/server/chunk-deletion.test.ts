// Chunk deletion across server processes sharing one database and one
// chunk folder (a second server, or purge-trash beside a running server):
// an upload that raced a deletion is never recorded over deleted bytes, and
// objects are keyed per account (S5, S6).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { finishChunkDeletion, markChunkDeleting } from "../../lib/server/chunks/gc.ts";
import { deletionGeneration, missingChunks, presentChunk, putChunk, recordStoredChunk } from "../../lib/server/chunks/service.ts";
import { storageKey } from "../../lib/server/chunks/storage-key.ts";
import { closeServerContext, openServerContext } from "../../lib/server/bootstrap.ts";
import type { ServerContext } from "../../lib/server/context.ts";
import { checkConsistency } from "../../lib/server/files/consistency.ts";
import { createTestActor, createTestContext, hexId, type TestServerContext } from "./helpers/context.ts";

type Actor = Awaited<ReturnType<typeof createTestActor>>;
let t: TestServerContext;
let other: ServerContext; // a second server process on the same database and folder
let actor: Actor;

beforeEach(async () => {
  t = await createTestContext();
  other = await openServerContext(t.ctx.config, { stdout: false });
  actor = await createTestActor(t.ctx);
});
afterEach(async () => {
  await closeServerContext(other);
  await t.cleanup();
});

const bytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));

describe("a deletion racing an upload of the same chunk", () => {
  it("refuses to record an upload whose bytes a deletion removed meanwhile", async () => {
    const id = hexId();
    const owner = { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" };
    await putChunk(t.ctx, owner, id, bytes(100)); // stored once, never committed: collectable
    // Process B starts a re-upload: reads the generation, stores the bytes...
    const generation = await deletionGeneration(other.db, actor.vaultId, id);
    const key = storageKey(actor.vaultId, id);
    const stored = await other.store.put(key, bytes(100));
    // ...then process A collects the chunk entirely, deleting those bytes.
    expect(await markChunkDeleting(t.ctx, actor.vaultId, id)).toEqual({ size: 100 });
    await finishChunkDeletion(t.ctx, actor.vaultId, id);
    expect(await t.ctx.store.has(key)).toBe(false);
    // B must not record a row over bytes that are gone: the client uploads again.
    await expect(recordStoredChunk(other, owner, { id, key, size: stored.size, sha256: stored.sha256 }, generation)).rejects.toMatchObject({
      status: 503,
      code: "chunk_busy",
    });
    expect(await missingChunks(other, actor.vaultId, [id])).toEqual([id]);
    expect((await checkConsistency(t.ctx.db, t.ctx.store)).problems).toEqual([]);
    // The retry succeeds and the chunk is present again.
    await putChunk(other, owner, id, bytes(100));
    expect(await presentChunk(t.ctx, actor.vaultId, id)).not.toBeNull();
  });

  it("counts a chunk being deleted as missing and refuses uploads until the deletion ends", async () => {
    const id = hexId();
    const owner = { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" };
    await putChunk(t.ctx, owner, id, bytes(50));
    expect(await markChunkDeleting(t.ctx, actor.vaultId, id)).not.toBeNull();
    expect(await missingChunks(other, actor.vaultId, [id])).toEqual([id]);
    expect(await presentChunk(other, actor.vaultId, id)).toBeNull();
    await expect(putChunk(other, owner, id, bytes(50))).rejects.toMatchObject({ status: 503 });
    await finishChunkDeletion(t.ctx, actor.vaultId, id);
    await putChunk(other, owner, id, bytes(50));
    expect(await missingChunks(t.ctx, actor.vaultId, [id])).toEqual([]);
  });
});

describe("per-account objects", () => {
  it("keeps one account's bytes when another account uploads the same id", async () => {
    const second = await createTestActor(t.ctx);
    const id = hexId();
    const mine = bytes(64);
    await putChunk(t.ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" }, id, mine);
    await putChunk(t.ctx, { accountId: second.accountId, vaultId: second.vaultId, machineId: "m2" }, id, bytes(64));
    expect(storageKey(actor.vaultId, id)).not.toBe(storageKey(second.vaultId, id));
    const body = await t.ctx.store.get(storageKey(actor.vaultId, id));
    expect(Buffer.compare(new Uint8Array(await new Response(body).arrayBuffer()), mine)).toBe(0);
    expect((await checkConsistency(t.ctx.db, t.ctx.store, { deep: true })).problems).toEqual([]);
  });
});
