/**
 * Writes accepted node versions in one transaction with a handful of
 * multi-row statements: events, tree heads, versions (with their
 * operation ids), chunk references, trash entries and statistics. The rows are exactly those
 * of applying the events one by one (`applyFileEvent`); the rebuild tests
 * compare both.
 */
import type { Transaction } from "@libsql/client";
import type { EventEnvelope, EventMeta } from "../../events/envelope.ts";
import { FILE_VERSION_COMMITTED, type FileVersionCommittedV1 } from "../../events/schemas/file-version-committed.ts";
import { str } from "../../db/row.ts";
import type { Actor } from "./actor.ts";
import type { Head } from "./heads.ts";
import { StatsAccumulator } from "./projector.ts";

/** One version about to be recorded. */
export interface Accepted {
  actor: Actor;
  /** The event's metadata (the actor's, plus a cause for restores). */
  meta: EventMeta;
  payload: FileVersionCommittedV1;
  /** The node's head before it. */
  previous: Head | null;
  id: string;
  ts: number;
}

type Row = (string | number | null)[];

/**
 * Inserts rows with as few statements as SQLite's parameter limit allows.
 * @param tx The open transaction.
 * @param head `INSERT INTO t (…)`.
 * @param columns Columns per row.
 * @param rows The rows.
 * @param tail Text after the VALUES (ON CONFLICT, RETURNING).
 * @returns The rows any RETURNING gave.
 */
export async function insertRows(tx: Transaction, head: string, columns: number, rows: Row[], tail = ""): Promise<Record<string, unknown>[]> {
  const per = Math.max(1, Math.floor(30_000 / columns));
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < rows.length; i += per) {
    const slice = rows.slice(i, i + per);
    const placeholders = `(${new Array<string>(columns).fill("?").join(", ")})`;
    const result = await tx.execute({ sql: `${head} VALUES ${slice.map(() => placeholders).join(", ")} ${tail}`, args: slice.flat() });
    out.push(...(result.rows as unknown as Record<string, unknown>[]));
  }
  return out;
}

/**
 * The `FileVersionCommitted` payload of a node's new head.
 * @param next The head as it will be recorded.
 * @param chunks Its chunk ids, in file order.
 * @param who The writing machine (null from the dashboard) and the operation id.
 * @param origin How the version came to be.
 * @returns The payload.
 */
export function committedPayload(
  next: Head,
  chunks: readonly string[],
  who: { machineId: string | null; opId: string },
  origin: FileVersionCommittedV1["origin"],
): FileVersionCommittedV1 {
  return {
    nodeId: next.nodeId,
    parentId: next.parentId,
    version: next.version,
    kind: next.kind,
    encName: next.encName,
    manifest: next.manifest,
    chunks: [...chunks],
    size: next.size,
    machineId: who.machineId,
    opId: who.opId,
    origin,
  };
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/**
 * A new event id: the time in ms (12 hex digits) then 80 random bits. The
 * ids of one commit share their first digits, so the unique index on
 * `events.id` takes them in a few neighbouring pages instead of one page
 * each all over it (the index of a random id dirtied about 500 pages per
 * 1,000 files committed).
 * @param now Epoch ms. @default Date.now()
 * @returns 32 hex characters.
 */
export function newEventId(now: number = Date.now()): string {
  const random = crypto.getRandomValues(new Uint8Array(10));
  let out = Math.floor(Math.max(0, Math.min(now, 0xffffffffffff))).toString(16).padStart(12, "0");
  for (const b of random) out += HEX[b] as string;
  return out;
}

/**
 * The stream of a node's versions.
 * @param vaultId The vault.
 * @param nodeId The node.
 * @returns `file:<vaultId>:<nodeId>`.
 */
export function nodeStream(vaultId: string, nodeId: string): string {
  return `file:${vaultId}:${nodeId}`;
}

/**
 * Records the events of accepted versions and their projections.
 * @param tx An open write transaction.
 * @param accepted The versions, in order.
 * @returns The stored events, in the same order.
 */
export async function writeAccepted(tx: Transaction, accepted: readonly Accepted[]): Promise<EventEnvelope<FileVersionCommittedV1>[]> {
  if (accepted.length === 0) return [];
  const inserted = await insertRows(
    tx,
    "INSERT INTO events (id, account_id, vault_id, stream, stream_version, type, version, ts, payload, meta)",
    10,
    accepted.map((a) => [a.id, a.actor.accountId, a.actor.vaultId, nodeStream(a.actor.vaultId, a.payload.nodeId), a.payload.version,
      FILE_VERSION_COMMITTED, 1, a.ts, JSON.stringify(a.payload), JSON.stringify(a.meta)]),
    "RETURNING id, seq",
  );
  const seqOf = new Map(inserted.map((r) => [str(r.id), Number(r.seq)]));
  const events = accepted.map((a): EventEnvelope<FileVersionCommittedV1> => ({
    seq: seqOf.get(a.id) ?? 0,
    id: a.id,
    accountId: a.actor.accountId,
    vaultId: a.actor.vaultId,
    stream: nodeStream(a.actor.vaultId, a.payload.nodeId),
    streamVersion: a.payload.version,
    type: FILE_VERSION_COMMITTED,
    version: 1,
    ts: a.ts,
    payload: a.payload,
    meta: a.meta,
  }));
  await writeProjections(tx, accepted, events);
  return events;
}

async function writeProjections(tx: Transaction, accepted: readonly Accepted[], events: EventEnvelope[]): Promise<void> {
  const seq = (i: number): number => events[i]?.seq ?? 0;
  // The tree keeps only each node's last version of the batch.
  const last = new Map<string, number>();
  accepted.forEach((a, i) => last.set(`${a.actor.vaultId}:${a.payload.nodeId}`, i));
  await insertRows(
    tx,
    "INSERT INTO tree (account_id, vault_id, node_id, parent_id, enc_name, kind, head_version, manifest, size, seq, updated_at)",
    11,
    [...last.values()].map((i) => {
      const a = accepted[i] as Accepted;
      const p = a.payload;
      return [a.actor.accountId, a.actor.vaultId, p.nodeId, p.parentId, p.encName, p.kind, p.version, p.manifest, p.size, seq(i), a.ts];
    }),
    `ON CONFLICT (vault_id, node_id) DO UPDATE SET parent_id = excluded.parent_id, enc_name = excluded.enc_name,
       kind = excluded.kind, head_version = excluded.head_version, manifest = excluded.manifest,
       size = excluded.size, seq = excluded.seq, updated_at = excluded.updated_at
     WHERE excluded.head_version >= tree.head_version`,
  );
  await insertRows(
    tx,
    `INSERT INTO versions (account_id, vault_id, node_id, version, kind, parent_id, enc_name, manifest, size, chunk_count,
       machine_id, op_id, origin, seq, created_at)`,
    15,
    accepted.map((a, i) => {
      const p = a.payload;
      return [a.actor.accountId, a.actor.vaultId, p.nodeId, p.version, p.kind, p.parentId, p.encName, p.manifest, p.size,
        p.chunks.length, p.machineId, p.opId, JSON.stringify(p.origin), seq(i), a.ts];
    }),
  );
  const refs: Row[] = accepted.flatMap((a) => a.payload.chunks.map((id, ord) => [a.actor.accountId, a.actor.vaultId, a.payload.nodeId, a.payload.version, ord, id]));
  if (refs.length > 0) await insertRows(tx, "INSERT INTO version_chunks (account_id, vault_id, node_id, version, ord, chunk_id)", 6, refs);
  const trash: Row[] = accepted.flatMap((a, i) => {
    const prev = a.previous;
    if (a.payload.kind !== "delete" || !prev || prev.kind === "delete") return [];
    return [[a.actor.accountId, a.actor.vaultId, a.payload.nodeId, a.payload.version, prev.version, prev.parentId, prev.encName,
      prev.kind, prev.size, a.ts, a.payload.machineId, seq(i)]];
  });
  if (trash.length > 0) {
    await insertRows(
      tx,
      `INSERT OR IGNORE INTO trash (account_id, vault_id, node_id, deleted_version, live_version, parent_id, enc_name, kind,
         size, deleted_at, deleted_by, seq)`,
      12,
      trash,
    );
  }
  for (const a of accepted) {
    const origin = a.payload.origin;
    if (origin.type !== "trash-restore") continue;
    await tx.execute({
      sql: "DELETE FROM trash WHERE vault_id = ? AND node_id = ? AND deleted_version = ?",
      args: [a.actor.vaultId, a.payload.nodeId, origin.deletedVersion],
    });
  }
  const stats = new StatsAccumulator();
  accepted.forEach((a, i) => stats.add({ seq: seq(i), accountId: a.actor.accountId, vaultId: a.actor.vaultId, ts: a.ts }, a.payload));
  await stats.flush(tx);
}
