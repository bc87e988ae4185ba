/**
 * Records one new version of a path inside an open transaction: the parent
 * check (S4), the chunk presence check, the event and its projections (E5).
 * Commits, deletions and restores all end here.
 */
import type { EventEnvelope } from "../../events/envelope.ts";
import { FILE_VERSION_COMMITTED, type FileVersionCommittedV1 } from "../../events/schemas/file-version-committed.ts";
import { appendEvent, type Executor } from "../../events/store.ts";
import type { Actor } from "./actor.ts";
import { checkItem } from "./check-item.ts";
import type { ItemResult, VersionInput } from "./version-input.ts";
import { readHead, storedChunkSizes } from "./heads.ts";
import { applyFileEvent, type StatsAccumulator } from "./projector.ts";

/** Work shared by the items of one transaction. */
export interface RecordOptions {
  /** Stored sizes of chunks already looked up in this transaction. */
  chunkSizes?: Map<string, number>;
  /** Gathers machine statistics, written once by the caller. */
  stats?: StatsAccumulator;
}

export type { ItemResult, VersionInput };

/**
 * Checks and records one version.
 * @param tx An open write transaction.
 * @param actor Who commits.
 * @param input The version.
 * @param origin How the version came to be.
 * @param options Lookups and accumulators shared by a batch.
 * @returns The item's result and, when recorded, its event.
 */
export async function recordVersion(
  tx: Executor,
  actor: Actor,
  input: VersionInput,
  origin: FileVersionCommittedV1["origin"] = { type: "commit" },
  options: RecordOptions = {},
): Promise<{ result: ItemResult; event?: EventEnvelope<FileVersionCommittedV1> }> {
  const { pathId } = input;
  const head = await readHead(tx, actor.vaultId, pathId);
  const headVersion = head?.version ?? 0;
  const known = options.chunkSizes;
  const sizes = known && input.chunks.every((id) => known.has(id)) ? known : await storedChunkSizes(tx, actor.accountId, input.chunks);
  const checked = checkItem(input, head, sizes);
  if (checked.result) return { result: checked.result };
  const payload: FileVersionCommittedV1 = {
    pathId,
    parentId: input.parentId,
    version: headVersion + 1,
    kind: input.kind,
    encName: input.encName,
    manifest: input.manifest,
    chunks: input.chunks,
    size: checked.size,
    machineId: actor.machineId,
    origin,
  };
  const event = await appendEvent(tx, {
    accountId: actor.accountId,
    vaultId: actor.vaultId,
    stream: `file:${actor.vaultId}:${pathId}`,
    streamVersion: payload.version,
    type: FILE_VERSION_COMMITTED,
    version: 1,
    payload,
    meta: actor.meta,
  });
  const previous = head
    ? { kind: head.kind, version: head.version, parentId: head.parentId, encName: head.encName, size: head.size }
    : null;
  await applyFileEvent(tx, event, { type: FILE_VERSION_COMMITTED, payload }, "", options.stats ? { previous, stats: options.stats } : { previous });
  return { result: { pathId, status: "ok", version: payload.version, seq: event.seq }, event };
}
