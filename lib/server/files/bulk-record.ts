/**
 * Records many commit items in one transaction with a handful of multi-row
 * statements instead of several statements per item: heads and chunk sizes
 * are read once, checks run in memory, then events, tree heads, versions,
 * chunk references, trash entries and statistics are written in bulk. The
 * resulting rows are exactly those of applying the events one by one
 * (`applyFileEvent`); the rebuild tests compare both.
 */
import type { Transaction } from "@libsql/client";
import type { EventEnvelope } from "../../events/envelope.ts";
import { FILE_VERSION_COMMITTED, type FileVersionCommittedV1 } from "../../events/schemas/file-version-committed.ts";
import { str } from "../../db/row.ts";
import type { Actor } from "./actor.ts";
import { storedChunkSizes, type Head } from "./heads.ts";
import { StatsAccumulator } from "./projector.ts";
import type { ItemResult, VersionInput } from "./record.ts";
import { checkItem } from "./check-item.ts";

/** One request of a group: who commits what. */
export interface BulkRequest {
  actor: Actor;
  items: readonly VersionInput[];
}

type Row = (string | number | null)[];

async function insertRows(tx: Transaction, head: string, columns: number, rows: Row[], tail = ""): Promise<Record<string, unknown>[]> {
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

async function readHeads(tx: Transaction, vaultId: string, pathIds: string[]): Promise<Map<string, Head>> {
  const heads = new Map<string, Head>();
  for (let i = 0; i < pathIds.length; i += 500) {
    const slice = pathIds.slice(i, i + 500);
    const result = await tx.execute({
      sql: `SELECT path_id, parent_id, enc_name, kind, head_version, manifest, size, seq FROM tree
            WHERE vault_id = ? AND path_id IN (${slice.map(() => "?").join(", ")})`,
      args: [vaultId, ...slice],
    });
    for (const r of result.rows) {
      heads.set(str(r.path_id), {
        pathId: str(r.path_id),
        parentId: str(r.parent_id),
        encName: str(r.enc_name),
        kind: str(r.kind) as Head["kind"],
        version: Number(r.head_version),
        manifest: str(r.manifest),
        size: Number(r.size),
        seq: Number(r.seq),
      });
    }
  }
  return heads;
}

interface Accepted {
  actor: Actor;
  payload: FileVersionCommittedV1;
  previous: Head | null;
  id: string;
  ts: number;
  result: ItemResult & { status: "ok" };
}

function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Checks and records every item of every request.
 * @param tx An open write transaction.
 * @param requests The requests, in arrival order.
 * @returns Per request its item results, and the events appended.
 */
export async function recordBulk(tx: Transaction, requests: readonly BulkRequest[]): Promise<{ results: ItemResult[][]; events: EventEnvelope[] }> {
  const heads = new Map<string, Map<string, Head>>();
  const sizes = new Map<string, Map<string, number>>();
  const paths = new Map<string, Set<string>>();
  const chunks = new Map<string, Set<string>>();
  for (const { actor, items } of requests) {
    const p = paths.get(actor.vaultId) ?? new Set<string>();
    const c = chunks.get(actor.accountId) ?? new Set<string>();
    for (const item of items) {
      p.add(item.pathId);
      for (const id of item.chunks) c.add(id);
    }
    paths.set(actor.vaultId, p);
    chunks.set(actor.accountId, c);
  }
  for (const [vaultId, set] of paths) heads.set(vaultId, await readHeads(tx, vaultId, [...set]));
  for (const [accountId, set] of chunks) sizes.set(accountId, set.size > 0 ? await storedChunkSizes(tx, accountId, [...set]) : new Map<string, number>());

  const accepted: Accepted[] = [];
  const results: ItemResult[][] = requests.map(({ actor, items }) => {
    const vaultHeads = heads.get(actor.vaultId) ?? new Map<string, Head>();
    const chunkSizes = sizes.get(actor.accountId) ?? new Map<string, number>();
    return items.map((item) => {
      const previous = vaultHeads.get(item.pathId) ?? null;
      const checked = checkItem(item, previous, chunkSizes);
      if (checked.result) return checked.result;
      const payload: FileVersionCommittedV1 = {
        pathId: item.pathId,
        parentId: item.parentId,
        version: (previous?.version ?? 0) + 1,
        kind: item.kind,
        encName: item.encName,
        manifest: item.manifest,
        chunks: item.chunks,
        size: checked.size,
        machineId: actor.machineId,
        origin: { type: "commit" },
      };
      const result = { pathId: item.pathId, status: "ok" as const, version: payload.version, seq: 0 };
      const entry: Accepted = { actor, payload, previous, id: randomId(), ts: Date.now(), result };
      accepted.push(entry);
      vaultHeads.set(item.pathId, {
        pathId: item.pathId,
        parentId: item.parentId,
        encName: item.encName,
        kind: item.kind,
        version: payload.version,
        manifest: item.manifest,
        size: payload.size,
        seq: 0,
      });
      return result;
    });
  });
  if (accepted.length === 0) return { results, events: [] };

  const inserted = await insertRows(
    tx,
    "INSERT INTO events (id, account_id, vault_id, stream, stream_version, type, version, ts, payload, meta)",
    10,
    accepted.map((a) => [a.id, a.actor.accountId, a.actor.vaultId, `file:${a.actor.vaultId}:${a.payload.pathId}`, a.payload.version,
      FILE_VERSION_COMMITTED, 1, a.ts, JSON.stringify(a.payload), JSON.stringify(a.actor.meta)]),
    "RETURNING id, seq",
  );
  const seqOf = new Map(inserted.map((r) => [str(r.id), Number(r.seq)]));
  const byVersion = new Map(accepted.map((a) => [`${a.actor.vaultId}:${a.payload.pathId}:${a.payload.version}`, a]));
  const events: EventEnvelope[] = accepted.map((a) => {
    const seq = seqOf.get(a.id) ?? 0;
    a.result.seq = seq;
    return {
      seq,
      id: a.id,
      accountId: a.actor.accountId,
      vaultId: a.actor.vaultId,
      stream: `file:${a.actor.vaultId}:${a.payload.pathId}`,
      streamVersion: a.payload.version,
      type: FILE_VERSION_COMMITTED,
      version: 1,
      ts: a.ts,
      payload: a.payload,
      meta: a.actor.meta,
    };
  });
  // A retry of an item accepted earlier in this group reports that item's seq.
  requests.forEach(({ actor }, r) => {
    for (const res of results[r] ?? []) {
      if (res.status === "ok" && res.replayed && res.seq === 0) {
        res.seq = byVersion.get(`${actor.vaultId}:${res.pathId}:${res.version}`)?.result.seq ?? 0;
      }
    }
  });
  await writeProjections(tx, accepted, events);
  return { results, events };
}

async function writeProjections(tx: Transaction, accepted: Accepted[], events: EventEnvelope[]): Promise<void> {
  // The tree keeps only each path's last version of the group.
  const last = new Map<string, number>();
  accepted.forEach((a, i) => last.set(`${a.actor.vaultId}:${a.payload.pathId}`, i));
  await insertRows(
    tx,
    "INSERT INTO tree (account_id, vault_id, path_id, parent_id, enc_name, kind, head_version, manifest, size, seq, updated_at)",
    11,
    [...last.values()].map((i) => {
      const a = accepted[i] as Accepted;
      const p = a.payload;
      return [a.actor.accountId, a.actor.vaultId, p.pathId, p.parentId, p.encName, p.kind, p.version, p.manifest, p.size, events[i]?.seq ?? 0, a.ts];
    }),
    `ON CONFLICT (vault_id, path_id) DO UPDATE SET parent_id = excluded.parent_id, enc_name = excluded.enc_name,
       kind = excluded.kind, head_version = excluded.head_version, manifest = excluded.manifest,
       size = excluded.size, seq = excluded.seq, updated_at = excluded.updated_at
     WHERE excluded.head_version >= tree.head_version`,
  );
  await insertRows(
    tx,
    `INSERT INTO versions (account_id, vault_id, path_id, version, kind, parent_id, enc_name, manifest, size, chunk_count,
       machine_id, origin, seq, created_at)`,
    14,
    accepted.map((a, i) => {
      const p = a.payload;
      return [a.actor.accountId, a.actor.vaultId, p.pathId, p.version, p.kind, p.parentId, p.encName, p.manifest, p.size,
        p.chunks.length, p.machineId, JSON.stringify(p.origin), events[i]?.seq ?? 0, a.ts];
    }),
  );
  const refs: Row[] = accepted.flatMap((a) => a.payload.chunks.map((id, ord) => [a.actor.accountId, a.actor.vaultId, a.payload.pathId, a.payload.version, ord, id]));
  if (refs.length > 0) await insertRows(tx, "INSERT INTO version_chunks (account_id, vault_id, path_id, version, ord, chunk_id)", 6, refs);
  const trash: Row[] = accepted.flatMap((a, i) => {
    const prev = a.previous;
    if (a.payload.kind !== "delete" || !prev || prev.kind === "delete") return [];
    return [[a.actor.accountId, a.actor.vaultId, a.payload.pathId, a.payload.version, prev.version, prev.parentId, prev.encName,
      prev.kind, prev.size, a.ts, a.payload.machineId, events[i]?.seq ?? 0]];
  });
  if (trash.length > 0) {
    await insertRows(
      tx,
      `INSERT OR IGNORE INTO trash (account_id, vault_id, path_id, deleted_version, live_version, parent_id, enc_name, kind,
         size, deleted_at, deleted_by, seq)`,
      12,
      trash,
    );
  }
  const stats = new StatsAccumulator();
  accepted.forEach((a, i) => stats.add(events[i] ?? { seq: 0, accountId: a.actor.accountId, vaultId: a.actor.vaultId, ts: a.ts }, a.payload));
  await stats.flush(tx);
}
