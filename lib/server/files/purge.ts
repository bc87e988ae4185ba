/**
 * Purging the trash (S5): entries deleted before a cutoff lose their older
 * versions for good (a `TrashPurged` event each; a folder's entry takes
 * its whole subtree, lib/server/files/projector.ts), then chunks nothing
 * references any more are removed from the store, never one still used.
 */
import type { EventEnvelope, EventMeta } from "../../events/envelope.ts";
import { TRASH_PURGED, type TrashPurgedV1 } from "../../events/schemas/trash-purged.ts";
import { appendEvent, type Executor } from "../../events/store.ts";
import { collectChunks, finishStaleDeletions, findOrphanChunks, STALE_DELETION_MS } from "../chunks/gc.ts";
import { finishStalePackUploads } from "../chunks/service.ts";
import type { ServerContext } from "../context.ts";
import { str, strOrNull } from "../../db/row.ts";
import { withLease } from "../db/lease.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { applyFileEvent, descendants } from "./projector.ts";

/** Options of {@link purgeTrash}. */
export interface PurgeOptions {
  /** Purge entries deleted more than this many days ago (0: everything). */
  olderThanDays: number;
  reason: TrashPurgedV1["reason"];
  /** Limit to one account. */
  accountId?: string;
  /** The clock. @default Date.now() */
  now?: number;
  /** Also remove unreferenced uploads older than this many ms. @default one day */
  orphanGraceMs?: number;
  /** Who asked and the request's ids, recorded on every TrashPurged event. @default `{ actor: "system" }` */
  meta?: EventMeta;
}

/** What a purge did. */
export interface PurgeResult {
  entriesPurged: number;
  chunksDeleted: number;
  bytesFreed: number;
}

const BATCH = 200;

/** The lease a purge runs under. */
export const TRASH_PURGE_LEASE = "trash purge";

/**
 * Keeps the operation ids of the versions a purge erases (S4), so a retry
 * of one still answers its first result until log cleaning passes it.
 * @param tx The open write transaction.
 * @param vaultId The vault.
 * @param nodeId The purged entry's node (its versions below the tombstone go).
 * @param deletedVersion The tombstone's version.
 * @param below The nodes erased with a folder (every version goes).
 */
async function keepOpIds(tx: Executor, vaultId: string, nodeId: string, deletedVersion: number, below: readonly string[]): Promise<void> {
  const columns = "vault_id, op_id, account_id, node_id, version, seq, kind, parent_id, enc_name, manifest, origin";
  await tx.execute({
    sql: `INSERT OR IGNORE INTO op_ids (${columns}) SELECT ${columns} FROM versions WHERE vault_id = ? AND node_id = ? AND version < ?`,
    args: [vaultId, nodeId, deletedVersion],
  });
  for (let i = 0; i < below.length; i += 500) {
    const slice = below.slice(i, i + 500);
    await tx.execute({
      sql: `INSERT OR IGNORE INTO op_ids (${columns}) SELECT ${columns} FROM versions WHERE vault_id = ? AND node_id IN (${slice.map(() => "?").join(", ")})`,
      args: [vaultId, ...slice],
    });
  }
}

/**
 * Purges old trash entries and the chunks they alone used, under the
 * {@link TRASH_PURGE_LEASE}: one purge at a time across processes.
 * @param ctx The server context.
 * @param options Cutoff, reason and scope.
 * @returns Counts of what was removed.
 * @throws LeaseHeldError when a purge is running already (here or in another process).
 */
export async function purgeTrash(ctx: ServerContext, options: PurgeOptions): Promise<PurgeResult> {
  const now = options.now ?? Date.now();
  const cutoff = now - options.olderThanDays * 86_400_000;
  const result: PurgeResult = { entriesPurged: 0, chunksDeleted: 0, bytesFreed: 0 };
  const candidates = new Map<string, Set<string>>();
  // One purge at a time across every server process sharing the database (S6).
  return withLease(ctx.db, TRASH_PURGE_LEASE, () => ctx.metrics.time("purge", async () => {
    for (;;) {
      const events: EventEnvelope[] = [];
      const purged = await withWriteTransaction(ctx.db, async (tx) => {
        const rows = await tx.execute({
          sql: `SELECT account_id, vault_id, node_id, deleted_version FROM trash
                WHERE deleted_at <= ? ${options.accountId ? "AND account_id = ?" : ""} ORDER BY deleted_at, node_id, deleted_version LIMIT ?`,
          args: options.accountId ? [cutoff, options.accountId, BATCH] : [cutoff, BATCH],
        });
        for (const row of rows.rows) {
          const accountId = str(row.account_id);
          const vaultId = strOrNull(row.vault_id);
          const nodeId = str(row.node_id);
          const deletedVersion = Number(row.deleted_version);
          // A folder purged earlier in this batch took the entries of its subtree with it.
          const still = await tx.execute({
            sql: "SELECT 1 FROM trash WHERE vault_id = ? AND node_id = ? AND deleted_version = ?",
            args: [vaultId ?? "", nodeId, deletedVersion],
          });
          if (still.rows.length === 0) continue;
          // The subtree goes only while the folder is that tombstone; found once, in the live tree.
          const head = await tx.execute({ sql: "SELECT kind, head_version FROM tree WHERE vault_id = ? AND node_id = ?", args: [vaultId ?? "", nodeId] });
          const headRow = head.rows[0];
          const isTombstone = headRow !== undefined && str(headRow.kind) === "delete" && Number(headRow.head_version) === deletedVersion;
          const below = isTombstone ? await descendants(tx, vaultId ?? "", nodeId) : [];
          const payload: TrashPurgedV1 = { nodeId, deletedVersion, reason: options.reason, below };
          await keepOpIds(tx, vaultId ?? "", nodeId, deletedVersion, below);
          const event = await appendEvent(tx, {
            accountId,
            vaultId,
            stream: `trash:${vaultId ?? ""}:${payload.nodeId}`,
            streamVersion: payload.deletedVersion,
            type: TRASH_PURGED,
            version: 1,
            payload,
            meta: options.meta ?? { actor: options.reason === "cli" ? "cli" : "system" },
          });
          events.push(event);
          // Applied to the retention checkpoint too, so no trimmed history keeps the chunks alive.
          const freed = [
            ...(await applyFileEvent(tx, event, { type: TRASH_PURGED, payload })),
            ...(await applyFileEvent(tx, event, { type: TRASH_PURGED, payload }, "cp_")),
          ];
          // Chunks belong to the vault (v2): candidates are kept per vault.
          const set = candidates.get(vaultId ?? "") ?? new Set<string>();
          for (const id of freed) set.add(id);
          candidates.set(vaultId ?? "", set);
        }
        return rows.rows.length;
      });
      ctx.bus.publish(events);
      result.entriesPurged += events.length;
      if (purged < BATCH) break;
    }
    await finishStaleDeletions(ctx, now - STALE_DELETION_MS);
    await finishStalePackUploads(ctx, now - Math.max(ctx.config.uploadTimeoutMs, STALE_DELETION_MS));
    for (const orphan of await findOrphanChunks(ctx, now - (options.orphanGraceMs ?? 86_400_000))) {
      if (options.accountId && orphan.accountId !== options.accountId) continue;
      const set = candidates.get(orphan.vaultId) ?? new Set<string>();
      set.add(orphan.id);
      candidates.set(orphan.vaultId, set);
    }
    for (const [vaultId, ids] of candidates) {
      const gc = await collectChunks(ctx, vaultId, ids);
      result.chunksDeleted += gc.chunksDeleted;
      result.bytesFreed += gc.bytesFreed;
    }
    ctx.logger.info({ ...result, reason: options.reason, olderThanDays: options.olderThanDays }, "trash purged");
    return result;
  }));
}
