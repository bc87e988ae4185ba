/**
 * Restores (S5, S8). A trash restore brings the deleted node back (for a
 * folder, with its whole subtree, which kept its rows): at its original
 * place when its folder is live and the name free there, otherwise under
 * the client's alternative name (and folder, when the original one is
 * gone), saying which. A version restore makes an older version's content
 * the head again, at the node's current place. The client supplies the new
 * manifests (the server cannot make them) and the chunk ids, which must
 * equal those of the version being restored. Both carry an `opId`: a retry
 * answers the first result.
 */
import type { Transaction } from "@libsql/client";
import type { EventEnvelope } from "../../events/envelope.ts";
import type { FileVersionCommittedV1 } from "../../events/schemas/file-version-committed.ts";
import type { ServerContext } from "../context.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { HttpError } from "../http/errors.ts";
import type { Actor } from "./actor.ts";
import { checkPlace } from "./check-item.ts";
import type { Head } from "./heads.ts";
import { readVersion } from "./history.ts";
import { NodeView } from "./node-view.ts";
import type { ItemResult } from "./version-input.ts";
import { committedPayload, nodeStream, newEventId, writeAccepted } from "./write-accepted.ts";

/** A trash restore request. */
export interface TrashRestoreInput {
  opId: string;
  nodeId: string;
  deletedVersion: number;
  /** Chunk ids of the version being restored, in order. */
  chunks: string[];
  /** Manifest for the original place at version `deletedVersion + 1`. */
  original: { manifest: string };
  /** Used when the original place is taken or its folder gone: another name, and a folder (default: the original one). */
  alternative: { parentId?: string | undefined; encName: string; manifest: string };
}

/** What a restore did. */
export interface RestoreOutcome {
  /** Which place was used (trash restores only). */
  used: "original" | "alternative";
  result: ItemResult;
}

function sameChunks(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * The id of the event that recorded a version: what a restore of it is caused by (E1).
 * @returns The event id, or undefined when the log no longer holds it (cleaned).
 */
async function versionEventId(tx: Transaction, actor: Actor, nodeId: string, version: number): Promise<string | undefined> {
  const found = await tx.execute({
    sql: "SELECT id FROM events WHERE stream = ? AND stream_version = ?",
    args: [nodeStream(actor.vaultId, nodeId), version],
  });
  const id = found.rows[0]?.id;
  return typeof id === "string" ? id : undefined;
}

/** Records one restored version; returns its result and event. */
async function record(
  tx: Transaction,
  actor: Actor,
  causationId: string | undefined,
  input: { opId: string; next: Head; previous: Head; chunks: string[]; origin: FileVersionCommittedV1["origin"] },
): Promise<{ result: ItemResult; event: EventEnvelope }> {
  const { next } = input;
  const ts = Date.now();
  const [event] = await writeAccepted(tx, [
    {
      actor,
      meta: causationId ? { ...actor.meta, causationId } : actor.meta,
      previous: input.previous,
      id: newEventId(ts),
      ts,
      payload: committedPayload(next, input.chunks, { machineId: actor.machineId, opId: input.opId }, input.origin),
    },
  ]);
  if (!event) throw new Error("Restore recorded no event");
  return { result: { nodeId: next.nodeId, opId: input.opId, status: "ok", version: next.version, seq: event.seq }, event };
}

/** A retried operation's first result, or undefined for a new one. */
function replayed(
  view: NodeView,
  opId: string,
  nodeId: string,
  same: (origin: FileVersionCommittedV1["origin"]) => boolean,
): RestoreOutcome | undefined {
  const op = view.op(opId);
  if (!op) return undefined;
  if (op.nodeId !== nodeId) throw new HttpError(422, "op_id_reused", "This opId was already used for another node");
  // The same id for another operation (S4): never answered with the first one's result.
  const origin = op.origin as FileVersionCommittedV1["origin"];
  if (!same(origin)) throw new HttpError(422, "op_id_reused", "This opId was already used for another operation on this node");
  return {
    used: origin.type === "trash-restore" ? origin.place : "original",
    result: { nodeId, opId, status: "ok", version: op.version, seq: op.seq, replayed: true },
  };
}

async function run<T>(ctx: ServerContext, name: string, fn: (tx: Transaction) => Promise<{ value: T; event?: EventEnvelope }>): Promise<T> {
  const { value, event } = await ctx.metrics.time(name, () => withWriteTransaction(ctx.db, fn));
  if (event) ctx.bus.publish([event]);
  return value;
}

/**
 * Restores a trash entry.
 * @param ctx The server context.
 * @param actor Who restores.
 * @param input The request.
 * @returns Which place was used and the item result (ok, or why neither place can take it).
 * @throws HttpError 404 for an unknown entry, 422 for chunk ids that do not match.
 */
export function restoreFromTrash(ctx: ServerContext, actor: Actor, input: TrashRestoreInput): Promise<RestoreOutcome> {
  return run(ctx, "restore.trash", async (tx) => {
    const { nodeId, opId } = input;
    const entry = await tx.execute({
      sql: "SELECT live_version, parent_id, enc_name FROM trash WHERE vault_id = ? AND node_id = ? AND deleted_version = ?",
      args: [actor.vaultId, nodeId, input.deletedVersion],
    });
    const row = entry.rows[0];
    const parentId = typeof row?.parent_id === "string" ? row.parent_id : "";
    const encName = typeof row?.enc_name === "string" ? row.enc_name : "";
    const altParent = input.alternative.parentId ?? parentId;
    const view = await NodeView.load(tx, actor.vaultId, {
      nodeIds: [nodeId, parentId, altParent].filter(Boolean),
      names: [[parentId, encName], [altParent, input.alternative.encName]],
      opIds: [opId],
    });
    const again = replayed(view, opId, nodeId, (o) => o.type === "trash-restore" && o.deletedVersion === input.deletedVersion);
    if (again) return { value: again };
    if (!row) throw new HttpError(404, "not_found", "Not in the trash: no such deletion (already restored or purged?)");
    const live = await readVersion(tx, actor.vaultId, nodeId, Number(row.live_version));
    if (!live) throw new HttpError(404, "not_found", "The deleted version no longer exists");
    if (!sameChunks(live.chunks, input.chunks)) throw new HttpError(422, "chunks_mismatch", "Chunk ids do not match the deleted version");
    const head = view.head(nodeId);
    if (!head || head.kind !== "delete" || head.version !== input.deletedVersion) {
      const message = "Conflict: the node changed since this deletion";
      return { value: { used: "original", result: { nodeId, opId, status: "conflict", message, head } } };
    }
    const originalProblem = checkPlace(view, nodeId, parentId, encName, true);
    const used: RestoreOutcome["used"] = originalProblem ? "alternative" : "original";
    const place = originalProblem
      ? { parentId: altParent, encName: input.alternative.encName, manifest: input.alternative.manifest }
      : { parentId, encName, manifest: input.original.manifest };
    const problem = originalProblem ? checkPlace(view, nodeId, place.parentId, place.encName, true) : null;
    if (problem) return { value: { used, result: { nodeId, opId, ...problem } } };
    const kind = live.kind as "file" | "dir";
    const next: Head = { nodeId, ...place, kind, version: head.version + 1, size: live.size, seq: 0 };
    const origin = { type: "trash-restore" as const, deletedVersion: input.deletedVersion, liveVersion: live.version, place: used };
    const cause = await versionEventId(tx, actor, nodeId, input.deletedVersion);
    const { result, event } = await record(tx, actor, cause, { opId, next, previous: head, chunks: live.chunks, origin });
    return { value: { used, result }, event };
  });
}

/** A version restore request. */
export interface VersionRestoreInput {
  opId: string;
  nodeId: string;
  /** The version to bring back. */
  version: number;
  /** The current head the client builds on. */
  baseVersion: number;
  /** Manifest for `baseVersion + 1`. */
  manifest: string;
  /** Chunk ids of `version`, in order. */
  chunks: string[];
}

/**
 * Makes an older version's content the head again, as a new version at the node's current place.
 * @param ctx The server context.
 * @param actor Who restores.
 * @param input The request.
 * @returns The item result (ok, conflict, or parent_not_live).
 * @throws HttpError 404 for an unknown version, 422 for a tombstone, another kind, a deleted node or chunk ids that do not match.
 */
export function restoreVersion(ctx: ServerContext, actor: Actor, input: VersionRestoreInput): Promise<ItemResult> {
  return run(ctx, "restore.version", async (tx) => {
    const { nodeId, opId } = input;
    const view = await NodeView.load(tx, actor.vaultId, { nodeIds: [nodeId], names: [], opIds: [opId] });
    const again = replayed(view, opId, nodeId, (o) => o.type === "version-restore" && o.fromVersion === input.version);
    if (again) return { value: again.result };
    const old = await readVersion(tx, actor.vaultId, nodeId, input.version);
    const head = view.head(nodeId);
    if (!old || !head) throw new HttpError(404, "not_found", `No version ${input.version} of this node`);
    if (old.kind === "delete") throw new HttpError(422, "invalid_request", "Cannot restore a deletion: restore the version before it");
    if (!sameChunks(old.chunks, input.chunks)) throw new HttpError(422, "chunks_mismatch", "Chunk ids do not match the restored version");
    if (head.version !== input.baseVersion) {
      const message = `Conflict: the head of this node is version ${head.version}, not ${input.baseVersion}`;
      return { value: { nodeId, opId, status: "conflict", message, head } };
    }
    if (head.kind === "delete") throw new HttpError(422, "invalid_request", "The node is deleted: restore it from the trash first");
    if (head.kind !== old.kind) throw new HttpError(422, "invalid_request", `Cannot restore a ${old.kind} version over a ${head.kind}`);
    const problem = view.parentProblem(head.parentId);
    if (problem) {
      const message = "The node is inside a deleted folder";
      return { value: { nodeId, opId, status: "parent_not_live", message, parent: { nodeId: head.parentId, ...problem } } };
    }
    const next: Head = { ...head, version: head.version + 1, manifest: input.manifest, size: old.size, seq: 0 };
    const cause = await versionEventId(tx, actor, nodeId, old.version);
    const origin = { type: "version-restore" as const, fromVersion: old.version };
    const { result, event } = await record(tx, actor, cause, { opId, next, previous: head, chunks: old.chunks, origin });
    return { value: result, event };
  });
}
