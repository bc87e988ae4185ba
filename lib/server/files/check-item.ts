/**
 * The checks of one commit item against the tree as the group sees it and
 * the stored chunks (S4): pure, shared by every writer. In order: a known
 * operation id answers its first result; a node id a purge erased is never
 * used again (422 `invalid`); the base version must be the
 * head (409 `conflict`); the kind cannot change (delete and create a new
 * node); the parent must be a live folder (409 `parent_not_live`); a move
 * cannot put a node below itself (409 `cycle`); no other live child of the
 * folder may hold the name (409 `name_taken`); chunks must be stored.
 */
import { ROOT_NODE_ID } from "../../events/schemas/common.ts";
import type { Head } from "./heads.ts";
import type { NodeView, RecordedOp } from "./node-view.ts";
import type { CommitItem, ItemResult } from "./version-input.ts";

/** A failed or replayed item's result, or the head (and chunks) the accepted item makes. */
export type ItemCheck =
  | { result: ItemResult; next?: undefined }
  | { result?: undefined; next: Head; previous: Head | null; chunks: readonly string[] };

/** An item result without its ids, per status. */
export type Failure<S extends ItemResult["status"]> = S extends ItemResult["status"] ? Omit<Extract<ItemResult, { status: S }>, "nodeId" | "opId"> : never;

/**
 * Checks where a node may live: its parent is a live folder, it does not
 * end up below itself, and the name is free in that folder.
 * @param view The tree.
 * @param nodeId The node placed.
 * @param parentId Its folder.
 * @param encName Its name.
 * @param moving Whether the node already exists (a move can make a cycle).
 * @returns The failure, or null when the place is free.
 */
export function checkPlace(
  view: NodeView,
  nodeId: string,
  parentId: string,
  encName: string,
  moving: boolean,
): Failure<"parent_not_live" | "cycle" | "name_taken"> | null {
  if (parentId === nodeId || (moving && view.isAncestorOrSelf(nodeId, parentId))) {
    return { status: "cycle", message: "Cannot move a folder into itself or below itself" };
  }
  const problem = view.parentProblem(parentId);
  if (problem) {
    return {
      status: "parent_not_live",
      message: `The parent is not a live folder (${problem.state})`,
      parent: { nodeId: parentId, ...problem },
    };
  }
  const existing = view.occupant(parentId, encName, nodeId);
  if (existing) return { status: "name_taken", message: "A live node of this folder already has this name", existing };
  return null;
}

/**
 * Whether an item is a retry of the operation its opId recorded: the same
 * commit of the same kind on the same base, manifest and place (chunks are
 * not compared: an item may omit them to keep the head's).
 */
function sameOperation(op: RecordedOp, item: CommitItem): boolean {
  if (op.origin.type !== "commit" || op.kind !== item.kind || op.version !== item.baseVersion + 1 || op.manifest !== item.manifest) return false;
  return item.kind === "delete" || (op.parentId === item.parentId && op.encName === item.encName);
}

function fail(item: CommitItem, failure: Failure<ItemResult["status"]>): ItemCheck {
  return { result: { nodeId: item.nodeId, opId: item.opId, ...failure } };
}

/**
 * Checks an item.
 * @param item The item.
 * @param view The tree as the group sees it.
 * @param chunkSizes Stored sizes of the vault's chunks (at least those the item names, when present).
 * @returns A result to report, or the new head to record (seq 0 until stored).
 */
export function checkItem(item: CommitItem, view: NodeView, chunkSizes: ReadonlyMap<string, number>): ItemCheck {
  const { nodeId, opId } = item;
  const op = view.op(opId);
  if (op) {
    if (op.nodeId !== nodeId) return fail(item, { status: "op_id_reused", message: "This opId was already used for another node" });
    if (!sameOperation(op, item)) return fail(item, { status: "op_id_reused", message: "This opId was already used for another operation on this node" });
    return { result: { nodeId, opId, status: "ok", version: op.version, seq: op.seq, replayed: true } };
  }
  if (nodeId === ROOT_NODE_ID) return fail(item, { status: "invalid", message: "The root is never committed" });
  if (view.purged(nodeId)) return fail(item, { status: "invalid", message: "This node id was used before by a node purged from the trash: use a new node id" });
  const head = view.head(nodeId);
  const headVersion = head?.version ?? 0;
  if (headVersion !== item.baseVersion) {
    return fail(item, { status: "conflict", message: `Conflict: the head of this node is version ${headVersion}, not ${item.baseVersion}`, head });
  }
  if (item.kind !== "file" && (item.chunks?.length ?? 0) > 0) return fail(item, { status: "invalid", message: `A ${item.kind} version has no chunks` });
  if (item.kind === "delete") {
    if (!head || head.kind === "delete") return fail(item, { status: "invalid", message: "Cannot delete: the node is not live" });
    const problem = view.parentProblem(head.parentId);
    if (problem) {
      return fail(item, {
        status: "parent_not_live",
        message: `Cannot delete: the node is inside a deleted folder (${problem.state})`,
        parent: { nodeId: head.parentId, ...problem },
      });
    }
    return { next: { ...head, kind: "delete", version: headVersion + 1, manifest: item.manifest, size: 0, seq: 0 }, previous: head, chunks: [] };
  }
  if (head?.kind === "delete") {
    return fail(item, { status: "invalid", message: "Cannot commit to a deleted node: restore it from the trash, or create a new node" });
  }
  if (head && head.kind !== item.kind) {
    return fail(item, { status: "invalid", message: `Cannot turn a ${head.kind} into a ${item.kind}: delete it and create a new node` });
  }
  const parentId = item.parentId ?? "";
  const encName = item.encName ?? "";
  if (head && !view.isLive(nodeId)) {
    const problem = view.parentProblem(head.parentId);
    if (problem) {
      return fail(item, {
        status: "parent_not_live",
        message: `The node is inside a deleted folder (${problem.state})`,
        parent: { nodeId: head.parentId, ...problem },
      });
    }
  }
  const place = checkPlace(view, nodeId, parentId, encName, head !== null && head.parentId !== parentId);
  if (place) return fail(item, place);
  const next = { nodeId, parentId, encName, kind: item.kind, version: headVersion + 1, manifest: item.manifest, seq: 0 };
  const kept = item.chunks === undefined && head?.kind === "file" ? view.headChunks(nodeId) : undefined;
  // A file moved or renamed without its chunk list keeps its content (referenced chunks are never collected).
  if (kept && head) return { next: { ...next, size: head.size }, previous: head, chunks: kept };
  const chunks = item.chunks ?? [];
  const missing = [...new Set(chunks)].filter((id) => !chunkSizes.has(id));
  if (missing.length > 0) {
    return fail(item, { status: "missing_chunks", message: `Missing chunks: upload ${missing.length} chunk(s) first`, missing });
  }
  const size = chunks.reduce((sum, id) => sum + (chunkSizes.get(id) ?? 0), 0);
  return { next: { ...next, size }, previous: head, chunks };
}
