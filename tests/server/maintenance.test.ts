/**
 * The daily maintenance (S5, S7): trash past its retention is purged with
 * its unshared chunks, the change log past its retention is cleaned, and
 * younger entries stay.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { putChunk } from "../../lib/server/chunks/service.ts";
import type { Actor } from "../../lib/server/files/actor.ts";
import { readChanges } from "../../lib/server/files/changes.ts";
import { commitVersions } from "../../lib/server/files/commit.ts";
import { listTrash } from "../../lib/server/files/history.ts";
import type { CommitItem } from "../../lib/server/files/version-input.ts";
import { runDailyMaintenance } from "../../lib/server/maintenance.ts";
import { createTestActor, createTestContext, hexId, versionInput, type TestServerContext } from "./helpers/context.ts";
import { nodeId, ROOT_NODE_ID } from "./helpers/nodes.ts";
import { storageKey } from "../../lib/server/chunks/storage-key.ts";

let t: TestServerContext;
let actor: Actor;

beforeEach(async () => {
  t = await createTestContext({ "trash-retention-days": "10", "change-retention-days": "20" });
  actor = await createTestActor(t.ctx);
});
afterEach(async () => t.cleanup());

const DAY = 86_400_000;
const item = (id: string, baseVersion: number, chunks: string[], kind: CommitItem["kind"] = "file"): CommitItem =>
  versionInput(id, ROOT_NODE_ID, baseVersion, chunks, kind);

describe("runDailyMaintenance", () => {
  it("purges trash older than its retention and cleans the log older than its own", async () => {
    const [oldChunk, youngChunk] = [hexId(), hexId()];
    for (const id of [oldChunk, youngChunk]) await putChunk(t.ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: "m1" }, id, new Uint8Array(50));
    const [old, young] = [nodeId(), nodeId()];
    await commitVersions(t.ctx, actor, [item(old, 0, [oldChunk]), item(young, 0, [youngChunk])]);
    await commitVersions(t.ctx, actor, [item(old, 1, [], "delete"), item(young, 1, [], "delete")]);
    // The first deletion happened 11 days ago; the commits of `old` 25 days ago.
    await t.ctx.db.execute({ sql: "UPDATE trash SET deleted_at = deleted_at - 11 * ? WHERE node_id = ?", args: [DAY, old] });
    await t.ctx.db.execute({ sql: "UPDATE events SET ts = ts - 25 * ? WHERE seq = 1", args: [DAY] });
    await runDailyMaintenance(t.ctx);
    const trash = await listTrash(t.ctx.db, actor.vaultId, { limit: 10 });
    expect(trash.items.map((e) => e.nodeId)).toEqual([young]);
    expect(await t.ctx.store.has(storageKey(actor.vaultId, oldChunk))).toBe(false);
    expect(await t.ctx.store.has(storageKey(actor.vaultId, youngChunk))).toBe(true);
    const scope = { kind: "user" as const, accountId: actor.accountId, vaultId: actor.vaultId };
    await expect(readChanges(t.ctx.db, scope, 0, 10)).rejects.toMatchObject({ status: 410 });
    expect((await readChanges(t.ctx.db, scope, 1, 10)).changes.length).toBeGreaterThan(0);
  });
});
