/**
 * The commit command: many versions in one transaction, each with its own
 * parent check and its own result (S4, DESIGN §3 "protocol efficiency").
 *
 * Group commit: requests that arrive while a commit transaction runs are
 * gathered and recorded together in the next one, so many small requests
 * share one transaction's fixed costs. Before each group the queue yields
 * one timer turn, so requests already received join it (measured: three
 * times the single-item commit rate). Item checks never throw; should a
 * request break the shared transaction anyway, each request of the group is
 * recorded again alone, so only the broken one fails.
 */
import type { EventEnvelope } from "../../events/envelope.ts";
import type { ServerContext } from "../context.ts";
import { withWriteTransaction } from "../db/tx.ts";
import type { Actor } from "./actor.ts";
import { recordBulk } from "./bulk-record.ts";
import type { CommitItem, ItemResult } from "./version-input.ts";

interface Pending {
  actor: Actor;
  items: readonly CommitItem[];
  atomic: boolean;
  resolve: (results: ItemResult[]) => void;
  reject: (error: unknown) => void;
}

const queues = new WeakMap<ServerContext, { pending: Pending[]; running: boolean }>();

/** Most items one group transaction takes before starting another. */
const GROUP_ITEMS = 2000;

/**
 * Records a batch of node versions in one transaction; items that fail their
 * checks are reported and do not stop the others, unless `atomic`.
 * @param ctx The server context.
 * @param actor Who commits.
 * @param items The versions.
 * @param options `atomic`: all items or none (the others answer `aborted`).
 * @returns One result per item, in order.
 */
export function commitVersions(ctx: ServerContext, actor: Actor, items: readonly CommitItem[], options: { atomic?: boolean } = {}): Promise<ItemResult[]> {
  let queue = queues.get(ctx);
  if (!queue) {
    queue = { pending: [], running: false };
    queues.set(ctx, queue);
  }
  const q = queue;
  const start = performance.now();
  return new Promise<ItemResult[]>((resolve, reject) => {
    q.pending.push({ actor, items, atomic: options.atomic === true, resolve, reject });
    if (!q.running) void drain(ctx, q);
  }).then(
    (results) => {
      ctx.metrics.observe("commit", performance.now() - start, true);
      ctx.metrics.count("commit.items", items.length);
      for (const r of results) ctx.metrics.count(r.status === "ok" ? "commit.versions" : `commit.${r.status}`);
      return results;
    },
    (error: unknown) => {
      ctx.metrics.observe("commit", performance.now() - start, false);
      throw error;
    },
  );
}

async function drain(ctx: ServerContext, q: { pending: Pending[]; running: boolean }): Promise<void> {
  q.running = true;
  try {
    while (q.pending.length > 0) {
      // Let requests already received reach the queue, so they join this group.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const group: Pending[] = [];
      let count = 0;
      while (q.pending.length > 0 && (group.length === 0 || count + (q.pending[0]?.items.length ?? 0) <= GROUP_ITEMS)) {
        const next = q.pending.shift() as Pending;
        group.push(next);
        count += next.items.length;
      }
      await runGroup(ctx, group);
    }
  } finally {
    q.running = false;
  }
}

async function runGroup(ctx: ServerContext, group: Pending[]): Promise<void> {
  let recorded: { events: EventEnvelope[]; results: ItemResult[][] };
  try {
    recorded = await recordGroup(ctx, group);
  } catch (error) {
    if (group.length === 1) {
      group[0]?.reject(error);
      return;
    }
    // One request broke the shared transaction: record each alone so only it fails.
    for (const p of group) await runGroup(ctx, [p]);
    return;
  }
  ctx.bus.publish(recorded.events);
  group.forEach((p, i) => p.resolve(recorded.results[i] ?? []));
}

function recordGroup(ctx: ServerContext, group: Pending[]): Promise<{ events: EventEnvelope[]; results: ItemResult[][] }> {
  return withWriteTransaction(ctx.db, (tx) => recordBulk(tx, group));
}
