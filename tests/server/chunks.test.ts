/**
 * Chunk presence and integrity on the real LocalFS store (S6): a chunk is
 * present only when its row exists and the store holds its bytes; a
 * download whose stored length changed fails instead of serving bad bytes;
 * the consistency check reports both.
 */
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { missingChunks, openChunk, presentChunk, putChunk } from "../../lib/server/chunks/service.ts";
import { markChunkDeleting } from "../../lib/server/chunks/gc.ts";
import { storedChunkSizesInVault } from "../../lib/server/chunks/presence.ts";
import { checkConsistency } from "../../lib/server/files/consistency.ts";
import type { Actor } from "../../lib/server/files/actor.ts";
import { createTestActor, createTestContext, hexId, type TestServerContext } from "./helpers/context.ts";
import { storageKey } from "../../lib/server/chunks/storage-key.ts";

let t: TestServerContext;
let actor: Actor;

beforeEach(async () => {
  t = await createTestContext();
  actor = await createTestActor(t.ctx);
});
afterEach(async () => t.cleanup());

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe("chunk presence and integrity", () => {
  it("records length and SHA-256 and serves the same bytes", async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(5000));
    const id = hexId();
    const info = await putChunk(t.ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" }, id, bytes);
    const expected = Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex");
    expect(info).toEqual({ id, size: 5000, sha256: expected, exists: false });
    const opened = await openChunk(t.ctx, actor.vaultId, id);
    expect(await readAll(opened?.body ?? new ReadableStream())).toEqual(bytes);
  });

  it("is not present when the store lost the bytes, and the check says so", async () => {
    const id = hexId();
    await putChunk(t.ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" }, id, new Uint8Array(100));
    expect(await presentChunk(t.ctx, actor.vaultId, id)).not.toBeNull();
    await t.ctx.store.delete(storageKey(actor.vaultId, id));
    expect(await presentChunk(t.ctx, actor.vaultId, id)).toBeNull();
    const report = await checkConsistency(t.ctx.db, t.ctx.store);
    expect(report.problems).toEqual([`chunk ${id} has a row but is not in the store`]);
  });

  it("fails a download whose stored length changed", async () => {
    const id = hexId();
    await putChunk(t.ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" }, id, new Uint8Array(1000).fill(7));
    const key = storageKey(actor.vaultId, id);
    await truncate(join(t.dir, "chunks", key.slice(0, 2), key.slice(2, 4), key), 600);
    const opened = await openChunk(t.ctx, actor.vaultId, id);
    await expect(readAll(opened?.body ?? new ReadableStream())).rejects.toThrow(/shorter than stored/);
    expect((await checkConsistency(t.ctx.db, t.ctx.store)).problems).toEqual([`chunk ${id} is 600 bytes in the store, 1000 recorded`]);
  });

  it("reports many ids missing at once, per vault", async () => {
    const id = hexId();
    await putChunk(t.ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" }, id, new Uint8Array(10));
    const absent = Array.from({ length: 1200 }, hexId);
    expect(await missingChunks(t.ctx, actor.vaultId, [id, ...absent])).toEqual(absent);
    const other = await createTestActor(t.ctx);
    expect(await missingChunks(t.ctx, other.vaultId, [id])).toEqual([id]);
  });

  it("reads stored sizes for the commit path scoped by vault, never a chunk being deleted", async () => {
    const [a, b] = [hexId(), hexId()];
    await putChunk(t.ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" }, a, new Uint8Array(10));
    await putChunk(t.ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" }, b, new Uint8Array(20));
    expect(await storedChunkSizesInVault(t.ctx.db, actor.vaultId, [a, b, a, hexId()])).toEqual(new Map([[a, 10], [b, 20]]));
    const other = await createTestActor(t.ctx);
    expect(await storedChunkSizesInVault(t.ctx.db, other.vaultId, [a, b])).toEqual(new Map());
    expect(await markChunkDeleting(t.ctx, actor.vaultId, b)).toEqual({ size: 20 });
    expect(await storedChunkSizesInVault(t.ctx.db, actor.vaultId, [a, b])).toEqual(new Map([[a, 10]]));
  });

  it("refuses a chunk over the limit and stores nothing", async () => {
    const id = hexId();
    const tooBig = new Uint8Array(t.ctx.config.maxChunkBytes + 1);
    await expect(putChunk(t.ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" }, id, tooBig)).rejects.toMatchObject({ status: 413 });
    expect(await t.ctx.store.has(storageKey(actor.vaultId, id))).toBe(false);
    expect(await missingChunks(t.ctx, actor.vaultId, [id])).toEqual([id]);
  });
});
