/**
 * Records many commit items of many requests in one transaction: the tree
 * rows, names and operation ids the group touches are read once per vault
 * ({@link NodeView}), every item is checked in memory in arrival order (so
 * an item sees the items before it), then the accepted versions are written
 * with multi-row statements ({@link writeAccepted}). An atomic request is
 * all or nothing: when one of its items fails, the others answer `aborted`
 * and none of them is recorded.
 */
import type { Transaction } from "@libsql/client";
import type { EventEnvelope } from "../../events/envelope.ts";
import type { Actor } from "./actor.ts";
import { checkItem } from "./check-item.ts";
import { storedChunkSizesInVault } from "../chunks/presence.ts";
import { NodeView } from "./node-view.ts";
import type { CommitItem, ItemResult } from "./version-input.ts";
import { committedPayload, newEventId, writeAccepted, type Accepted } from "./write-accepted.ts";

/** One request of a group: who commits what. */
export interface BulkRequest {
  actor: Actor;
  items: readonly CommitItem[];
  /** All items or none. @default false */
  atomic?: boolean;
}

async function loadViews(tx: Transaction, requests: readonly BulkRequest[]): Promise<Map<string, NodeView>> {
  const byVault = new Map<string, { nodeIds: Set<string>; names: [string, string][]; opIds: string[] }>();
  for (const { actor, items } of requests) {
    const wants = byVault.get(actor.vaultId) ?? { nodeIds: new Set<string>(), names: [], opIds: [] };
    for (const item of items) {
      wants.nodeIds.add(item.nodeId);
      if (item.parentId !== undefined) wants.nodeIds.add(item.parentId);
      if (item.kind !== "delete" && item.parentId !== undefined && item.encName !== undefined) wants.names.push([item.parentId, item.encName]);
      wants.opIds.push(item.opId);
    }
    byVault.set(actor.vaultId, wants);
  }
  const views = new Map<string, NodeView>();
  for (const [vaultId, wants] of byVault) views.set(vaultId, await NodeView.load(tx, vaultId, wants));
  // Files updated without a chunk list keep their head's chunks.
  for (const { actor, items } of requests) {
    const keep = items.filter((i) => i.kind === "file" && i.chunks === undefined).map((i) => i.nodeId);
    if (keep.length > 0) await views.get(actor.vaultId)?.loadHeadChunks(tx, actor.vaultId, keep);
  }
  return views;
}

async function loadChunkSizes(tx: Transaction, requests: readonly BulkRequest[]): Promise<Map<string, Map<string, number>>> {
  const ids = new Map<string, Set<string>>();
  for (const { actor, items } of requests) {
    const set = ids.get(actor.vaultId) ?? new Set<string>();
    for (const item of items) for (const id of item.chunks ?? []) set.add(id);
    ids.set(actor.vaultId, set);
  }
  const sizes = new Map<string, Map<string, number>>();
  for (const [vaultId, set] of ids) sizes.set(vaultId, set.size > 0 ? await storedChunkSizesInVault(tx, vaultId, [...set]) : new Map<string, number>());
  return sizes;
}

/**
 * Checks and records every item of every request.
 * @param tx An open write transaction.
 * @param requests The requests, in arrival order.
 * @returns Per request its item results, and the events appended.
 */
export async function recordBulk(tx: Transaction, requests: readonly BulkRequest[]): Promise<{ results: ItemResult[][]; events: EventEnvelope[] }> {
  const views = await loadViews(tx, requests);
  const sizes = await loadChunkSizes(tx, requests);
  const accepted: Accepted[] = [];
  const okResults: (ItemResult & { status: "ok" })[] = [];
  const replayed: { result: ItemResult & { status: "ok" }; view: NodeView }[] = [];
  const results = requests.map(({ actor, items, atomic }): ItemResult[] => {
    const view = views.get(actor.vaultId) as NodeView;
    const chunkSizes = sizes.get(actor.vaultId) ?? new Map<string, number>();
    if (atomic) view.begin();
    const mine: Accepted[] = [];
    // One request, one time: its items are recorded in one transaction, so they
    // share a timestamp (a folder and a file deleted together are one trash moment).
    const ts = Date.now();
    const out = items.map((item): ItemResult => {
      const checked = checkItem(item, view, chunkSizes);
      if (checked.result) return checked.result;
      const { next, previous, chunks } = checked;
      view.put(next, item.opId, chunks);
      mine.push({
        actor,
        meta: actor.meta,
        previous,
        id: newEventId(ts),
        ts,
        payload: committedPayload(next, chunks, { machineId: actor.machineId, opId: item.opId }, { type: "commit" }),
      });
      return { nodeId: item.nodeId, opId: item.opId, status: "ok", version: next.version, seq: 0 };
    });
    if (atomic && out.some((r) => r.status !== "ok")) {
      view.rollback();
      return out.map((r) =>
        r.status === "ok" && !r.replayed ? { nodeId: r.nodeId, opId: r.opId, status: "aborted", message: "Not recorded: another item of this atomic request failed" } : r,
      );
    }
    if (atomic) view.keep();
    accepted.push(...mine);
    for (const r of out) {
      if (r.status !== "ok") continue;
      if (r.replayed) replayed.push({ result: r, view });
      else okResults.push(r);
    }
    return out;
  });
  if (accepted.length === 0) return { results, events: [] };
  const events = await writeAccepted(tx, accepted);
  events.forEach((event, i) => {
    const r = okResults[i];
    if (r) r.seq = event.seq;
    views.get(event.vaultId ?? "")?.setSeq(event.payload.opId, event.seq);
  });
  // A retry of an item accepted earlier in this group reports that item's seq.
  for (const { result, view } of replayed) if (result.seq === 0) result.seq = view.op(result.opId)?.seq ?? 0;
  return { results, events };
}
