/**
 * The commit command: many versions in one transaction, each with its own
 * parent check and its own result (S4, DESIGN §3 "protocol efficiency").
 */
import type { EventEnvelope } from "../../events/envelope.ts";
import type { ServerContext } from "../context.ts";
import { withWriteTransaction } from "../db/tx.ts";
import type { Actor } from "./actor.ts";
import { recordVersion, type ItemResult, type VersionInput } from "./record.ts";

/**
 * Records a batch of versions atomically; items that fail their checks are
 * reported and do not stop the others.
 * @param ctx The server context.
 * @param actor Who commits.
 * @param items The versions.
 * @returns One result per item, in order.
 */
export async function commitVersions(ctx: ServerContext, actor: Actor, items: readonly VersionInput[]): Promise<ItemResult[]> {
  const events: EventEnvelope[] = [];
  const results = await ctx.metrics.time("commit", () =>
    withWriteTransaction(ctx.db, async (tx) => {
      const out: ItemResult[] = [];
      for (const item of items) {
        const { result, event } = await recordVersion(tx, actor, item);
        out.push(result);
        if (event) events.push(event);
      }
      return out;
    }),
  );
  ctx.metrics.count("commit.items", items.length);
  ctx.metrics.count("commit.versions", events.length);
  for (const r of results) if (r.status !== "ok") ctx.metrics.count(`commit.${r.status}`);
  ctx.bus.publish(events);
  return results;
}
