/**
 * Restores (S5, S8): from the trash to the original path, or beside it when
 * a live file now occupies that path; and an older version made head again.
 * The client supplies the new manifests (the server cannot make them) and
 * the chunk ids, which must equal those of the version being restored.
 */
import type { Transaction } from "@libsql/client";
import type { EventEnvelope } from "../../events/envelope.ts";
import type { ServerContext } from "../context.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { HttpError } from "../http/errors.ts";
import type { Actor } from "./actor.ts";
import { readHead } from "./heads.ts";
import { readVersion } from "./history.ts";
import { recordVersion, type ItemResult } from "./record.ts";

/** A trash restore request. */
export interface TrashRestoreInput {
  pathId: string;
  deletedVersion: number;
  /** Chunk ids of the version being restored, in order. */
  chunks: string[];
  /** Manifest for the original path at version `parentVersion + 1`. */
  original: { parentVersion: number; manifest: string };
  /** A sibling path (same folder, another name) used when the original is occupied. */
  alternative: { pathId: string; encName: string; parentVersion: number; manifest: string };
}

/** What a restore did. */
export interface RestoreOutcome {
  /** Which target was used (trash restores only). */
  used: "original" | "alternative";
  result: ItemResult;
}

function sameChunks(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function finish(ctx: ServerContext, event: EventEnvelope | undefined): void {
  if (event) ctx.bus.publish([event]);
}

/**
 * The id of the event that recorded a version: what a restore of it is caused by (E1).
 * @param tx The open transaction.
 * @param actor The tenancy.
 * @param pathId The path.
 * @param version Its version.
 * @returns The event id, or undefined when the log no longer holds it (cleaned).
 */
async function versionEventId(tx: Transaction, actor: Actor, pathId: string, version: number): Promise<string | undefined> {
  const found = await tx.execute({
    sql: "SELECT id FROM events WHERE account_id = ? AND stream = ? AND stream_version = ?",
    args: [actor.accountId, `file:${actor.vaultId}:${pathId}`, version],
  });
  const id = found.rows[0]?.id;
  return typeof id === "string" ? id : undefined;
}

/**
 * The actor of a restore, with the restored event as the cause.
 * @param actor Who restores.
 * @param causationId The restored event's id.
 * @returns The actor to record with.
 */
function causedBy(actor: Actor, causationId: string | undefined): Actor {
  return causationId ? { ...actor, meta: { ...actor.meta, causationId } } : actor;
}

/**
 * Restores a trash entry.
 * @param ctx The server context.
 * @param actor Who restores.
 * @param input The request.
 * @returns Which target was used and the item result (ok or conflict).
 * @throws HttpError 404 for an unknown entry, 422 for chunk ids that do not match.
 */
export async function restoreFromTrash(ctx: ServerContext, actor: Actor, input: TrashRestoreInput): Promise<RestoreOutcome> {
  let published: EventEnvelope | undefined;
  const outcome = await ctx.metrics.time("restore.trash", () =>
    withWriteTransaction(ctx.db, async (tx): Promise<RestoreOutcome> => {
      const entry = await tx.execute({
        sql: "SELECT live_version, kind FROM trash WHERE vault_id = ? AND path_id = ? AND deleted_version = ?",
        args: [actor.vaultId, input.pathId, input.deletedVersion],
      });
      const row = entry.rows[0];
      if (!row) throw new HttpError(404, "not_found", "Not in the trash: no such deletion (already restored or purged?)");
      const live = await readVersion(tx, actor.vaultId, input.pathId, Number(row.live_version));
      if (!live) throw new HttpError(404, "not_found", "The deleted version no longer exists");
      if (!sameChunks(live.chunks, input.chunks)) {
        throw new HttpError(422, "chunks_mismatch", "Chunk ids do not match the deleted version");
      }
      const head = await readHead(tx, actor.vaultId, input.pathId);
      const originalFree = head?.kind === "delete";
      const origin = {
        type: "trash-restore" as const,
        fromPathId: input.pathId,
        deletedVersion: input.deletedVersion,
        liveVersion: live.version,
        asCopy: !originalFree,
      };
      const kind = live.kind as "file" | "dir";
      const common = { parentId: live.parentId, kind, chunks: live.chunks };
      const by = causedBy(actor, await versionEventId(tx, actor, input.pathId, input.deletedVersion));
      const { result, event } = originalFree
        ? await recordVersion(tx, by, { ...common, pathId: input.pathId, encName: live.encName, ...input.original }, origin)
        : await recordVersion(tx, by, { ...common, ...input.alternative }, origin);
      published = event;
      return { used: originalFree ? "original" : "alternative", result };
    }),
  );
  finish(ctx, published);
  return outcome;
}

/** A version restore request. */
export interface VersionRestoreInput {
  pathId: string;
  /** The version to bring back. */
  version: number;
  /** The current head the client builds on. */
  parentVersion: number;
  /** Manifest for `parentVersion + 1`. */
  manifest: string;
  /** Chunk ids of `version`, in order. */
  chunks: string[];
}

/**
 * Makes an older version the head again, as a new version.
 * @param ctx The server context.
 * @param actor Who restores.
 * @param input The request.
 * @returns The item result (ok or conflict).
 * @throws HttpError 404 for an unknown version, 422 for a tombstone or chunk ids that do not match.
 */
export async function restoreVersion(ctx: ServerContext, actor: Actor, input: VersionRestoreInput): Promise<ItemResult> {
  let published: EventEnvelope | undefined;
  const result = await ctx.metrics.time("restore.version", () =>
    withWriteTransaction(ctx.db, async (tx) => {
      const old = await readVersion(tx, actor.vaultId, input.pathId, input.version);
      if (!old) throw new HttpError(404, "not_found", `No version ${input.version} of this path`);
      if (old.kind === "delete") throw new HttpError(422, "invalid_request", "Cannot restore a deletion: restore the version before it");
      if (!sameChunks(old.chunks, input.chunks)) {
        throw new HttpError(422, "chunks_mismatch", "Chunk ids do not match the restored version");
      }
      const recorded = await recordVersion(
        tx,
        causedBy(actor, await versionEventId(tx, actor, input.pathId, old.version)),
        {
          pathId: input.pathId,
          parentId: old.parentId,
          parentVersion: input.parentVersion,
          kind: old.kind as "file" | "dir",
          encName: old.encName,
          manifest: input.manifest,
          chunks: old.chunks,
        },
        { type: "version-restore", fromVersion: old.version },
      );
      published = recorded.event;
      return recorded.result;
    }),
  );
  finish(ctx, published);
  return result;
}
