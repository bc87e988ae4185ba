/**
 * Chunk upload, download and presence (S6). Chunks belong to a vault: rows
 * are keyed (vault id, chunk id) and objects by {@link storageKey}.
 *
 * The first stored bytes of an id win. An upload receives its bytes first
 * (receive.ts, nothing locked), then, for every id of the upload at once:
 * 1. one transaction answers `exists` for ids that have a row (refreshing
 *    their orphan grace period) and claims the others (`chunk_uploads`);
 * 2. the claimed bytes are stored;
 * 3. one transaction records the rows of the claims still held, unless a
 *    deletion of the id started since the generation was read (gc.ts).
 * A claim that another upload holds answers `busy` (retry); one older than
 * the upload time bound belongs to a dead upload and is taken over. So a row
 * always means the bytes are stored, and nobody stores under a key that
 * has a row.
 *
 * A batch upload (`pack: true`) stores the claimed chunks up to
 * {@link PACK_MAX_CHUNK_BYTES} in step 2 as one pack object under a fresh
 * key (pack.ts) instead of one object each, and step 3 records their rows
 * with their place in it. A pack none of whose rows could be recorded is
 * deleted after that transaction: nothing points into it, nothing ever will.
 * The pack is listed in `chunk_pack_uploads` before it is stored and taken
 * off in the recording transaction (its rows are recorded only if it is
 * still listed), so a pack of an upload that died in between is found and
 * deleted by {@link finishStalePackUploads}.
 */
import { createHash, randomUUID } from "node:crypto";
import type { ServerContext } from "../context.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { HttpError } from "../http/errors.ts";
import { tooLarge } from "../http/validate.ts";
import { str } from "../../db/row.ts";
import type { Executor } from "../../events/store.ts";
import { MIN_PACK_CHUNKS, PACK_MAX_CHUNK_BYTES, planPacks, type PackRef } from "./pack.ts";
import { claimId } from "./dead-claims.ts";
import { storageKey } from "./storage-key.ts";

/** Stores in flight for one upload: small objects are bound by per-object filesystem work, which overlaps well. */
const PUT_WIDTH = 64;

/** A stored chunk's row. */
export interface ChunkInfo {
  id: string;
  size: number;
  sha256: string;
}

/** A stored chunk's row with where its bytes are: a pack, or (null) its own object. */
export interface ChunkRecord extends ChunkInfo {
  pack: PackRef | null;
}

/** Options of {@link storeChunks}. */
export interface StoreOptions {
  /** Store the small new chunks as one pack object (batch uploads). @default false */
  pack?: boolean;
}

/** Who uploads: the vault the chunk belongs to, and the uploader. */
export interface ChunkOwner {
  accountId: string;
  vaultId: string;
  machineId: string | null;
}

/** One chunk to store. */
export interface IncomingChunk {
  id: string;
  bytes: Uint8Array;
  /** SHA-256 of `bytes` when the caller already checked it (saves hashing again). */
  sha256?: string;
}

/** What became of one uploaded chunk. */
export type ChunkResult =
  | (ChunkInfo & { status: "stored" | "exists" })
  | { id: string; status: "busy" };

/** Answered when a deletion or another upload of the same chunk is in progress: the client uploads again. */
export function chunkBusy(id: string): HttpError {
  return new HttpError(503, "chunk_busy", `Chunk ${id} is being deleted or uploaded: upload it again`, { retryAfterSeconds: 1 });
}

/**
 * SHA-256 in lowercase hex.
 * @param bytes The bytes.
 * @returns 64 hex characters.
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The chunk's deletion generation: bumped by every deletion that starts
 * (gc.ts). An upload compares it before storing and before recording.
 * @param db The database (or a transaction).
 * @param vaultId Whose chunk.
 * @param id The chunk id.
 * @returns The generation, 0 when never deleted.
 */
export async function deletionGeneration(db: Executor, vaultId: string, id: string): Promise<number> {
  const result = await db.execute({ sql: "SELECT generation FROM chunk_deletions WHERE vault_id = ? AND id = ?", args: [vaultId, id] });
  return Number(result.rows[0]?.generation ?? 0);
}

/** Step 3 for one chunk inside a transaction: false when it must be uploaded again. */
async function recordInTx(
  tx: Executor,
  owner: ChunkOwner,
  stored: { id: string; size: number; sha256: string },
  generation: number,
  claim: string | null,
  now: number,
  pack: PackRef | null = null,
): Promise<boolean> {
  if (claim !== null) {
    const held = await tx.execute({
      sql: "DELETE FROM chunk_uploads WHERE vault_id = ? AND id = ? AND claim = ? RETURNING 1",
      args: [owner.vaultId, stored.id, claim],
    });
    if (held.rows.length === 0) return false;
  }
  if ((await deletionGeneration(tx, owner.vaultId, stored.id)) !== generation) return false;
  const inserted = await tx.execute({
    sql: `INSERT INTO chunks (vault_id, id, account_id, size, sha256, created_at, uploaded_at, machine_id, pack_key, pack_offset, pack_length)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (vault_id, id) DO NOTHING RETURNING 1`,
    args: [owner.vaultId, stored.id, owner.accountId, stored.size, stored.sha256, now, now, owner.machineId, pack?.key ?? null, pack?.offset ?? null, pack?.length ?? null],
  });
  return inserted.rows.length > 0;
}

/**
 * Records a chunk whose bytes are stored, unless a deletion of it started
 * since `generation` was read (its bytes may be gone) or a row exists.
 * @param ctx The server context.
 * @param owner The vault and uploader.
 * @param stored What the store reported.
 * @param generation The deletion generation read before storing.
 * @throws HttpError 503 `chunk_busy` when the upload must be repeated.
 */
export async function recordStoredChunk(
  ctx: ServerContext,
  owner: ChunkOwner,
  stored: { key: string; size: number; sha256: string; id: string },
  generation: number,
): Promise<void> {
  const ok = await withWriteTransaction(ctx.db, (tx) => recordInTx(tx, owner, stored, generation, null, Date.now()));
  if (!ok) throw chunkBusy(stored.id);
}

interface Claimed {
  chunk: IncomingChunk;
  claim: string;
  generation: number;
}

/** Rows per statement of the set-based steps (a few bound values each, far below SQLite's limit). */
const SLICE = 400;

function slices<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += SLICE) out.push(items.slice(i, i + SLICE));
  return out;
}

const marks = (n: number, group = "?"): string => Array.from({ length: n }, () => group).join(", ");

/** Deletion generations of many chunks of a vault (absent: 0). */
async function deletionGenerations(db: Executor, vaultId: string, ids: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const slice of slices(ids)) {
    const result = await db.execute({
      sql: `SELECT id, generation FROM chunk_deletions WHERE vault_id = ? AND id IN (${marks(slice.length)})`,
      args: [vaultId, ...slice],
    });
    for (const row of result.rows) out.set(str(row.id), Number(row.generation));
  }
  return out;
}

/**
 * Step 1: answers existing ids, claims the others, set-based: a few
 * statements per {@link SLICE} ids. One claim id stands for the whole upload.
 */
async function claimChunks(ctx: ServerContext, owner: ChunkOwner, chunks: readonly IncomingChunk[], now: number): Promise<{ done: Map<string, ChunkResult>; claimed: Claimed[] }> {
  const done = new Map<string, ChunkResult>();
  const claimed: Claimed[] = [];
  const staleBefore = now - ctx.config.uploadTimeoutMs;
  const claim = claimId(ctx.processToken, randomUUID());
  const unique = new Map<string, IncomingChunk>();
  for (const chunk of chunks) if (!unique.has(chunk.id)) unique.set(chunk.id, chunk);
  await withWriteTransaction(ctx.db, async (tx) => {
    done.clear();
    claimed.length = 0;
    const rows = await rowsOf(tx, owner.vaultId, [...unique.keys()], true);
    const existing: string[] = [];
    const wanted: string[] = [];
    for (const id of unique.keys()) {
      const row = rows.get(id);
      if (row && !row.deleting) {
        existing.push(id);
        done.set(id, { id, size: row.size, sha256: row.sha256, status: "exists" });
      } else if (row) done.set(id, { id, status: "busy" });
      else wanted.push(id);
    }
    for (const slice of slices(existing)) {
      await tx.execute({
        sql: `UPDATE chunks SET uploaded_at = ? WHERE vault_id = ? AND id IN (${marks(slice.length)})`,
        args: [now, owner.vaultId, ...slice],
      });
    }
    const taken = new Set<string>();
    for (const slice of slices(wanted)) {
      const result = await tx.execute({
        sql: `INSERT INTO chunk_uploads (vault_id, id, claim, since) VALUES ${marks(slice.length, "(?, ?, ?, ?)")}
              ON CONFLICT (vault_id, id) DO UPDATE SET claim = excluded.claim, since = excluded.since WHERE chunk_uploads.since < ?
              RETURNING id`,
        args: [...slice.flatMap((id) => [owner.vaultId, id, claim, now]), staleBefore],
      });
      for (const row of result.rows) taken.add(str(row.id));
    }
    const generations = await deletionGenerations(tx, owner.vaultId, [...taken]);
    for (const id of wanted) {
      if (!taken.has(id)) done.set(id, { id, status: "busy" });
      else claimed.push({ chunk: unique.get(id) as IncomingChunk, claim, generation: generations.get(id) ?? 0 });
    }
  });
  return { done, claimed };
}

/**
 * Step 3, set-based: records the stored chunks whose claim is still held
 * and whose deletion generation is unchanged, and releases every claim of
 * the upload.
 * @returns The ids recorded.
 */
async function recordAll(
  tx: Executor,
  owner: ChunkOwner,
  stored: readonly { c: Claimed; info: ChunkInfo; pack: PackRef | null }[],
  claim: string,
  now: number,
): Promise<Set<string>> {
  const held = new Set<string>();
  for (const slice of slices(stored.map((s) => s.info.id))) {
    const result = await tx.execute({
      sql: `DELETE FROM chunk_uploads WHERE vault_id = ? AND claim = ? AND id IN (${marks(slice.length)}) RETURNING id`,
      args: [owner.vaultId, claim, ...slice],
    });
    for (const row of result.rows) held.add(str(row.id));
  }
  const generations = await deletionGenerations(tx, owner.vaultId, [...held]);
  const ready = stored.filter((s) => held.has(s.info.id) && (generations.get(s.info.id) ?? 0) === s.c.generation);
  const recorded = new Set<string>();
  for (const slice of slices(ready)) {
    const result = await tx.execute({
      sql: `INSERT INTO chunks (vault_id, id, account_id, size, sha256, created_at, uploaded_at, machine_id, pack_key, pack_offset, pack_length)
            VALUES ${marks(slice.length, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")}
            ON CONFLICT (vault_id, id) DO NOTHING RETURNING id`,
      args: slice.flatMap(({ info, pack }) => [
        owner.vaultId, info.id, owner.accountId, info.size, info.sha256, now, now, owner.machineId, pack?.key ?? null, pack?.offset ?? null, pack?.length ?? null,
      ]),
    });
    for (const row of result.rows) recorded.add(str(row.id));
  }
  // Claims of chunks that were not stored (a failed put) go too.
  await tx.execute({ sql: "DELETE FROM chunk_uploads WHERE vault_id = ? AND claim = ?", args: [owner.vaultId, claim] });
  return recorded;
}

/**
 * Stores chunks whose bytes are in memory: one claim transaction, the
 * stores in parallel (with `pack`, the small ones as one pack object), one
 * recording transaction (steps 1–3 above).
 * @param ctx The server context.
 * @param owner The vault and uploader.
 * @param chunks The chunks (a repeated id counts once: the first).
 * @param options Whether to pack the small ones.
 * @returns One result per distinct id, in first-seen order.
 */
export async function storeChunks(ctx: ServerContext, owner: ChunkOwner, chunks: readonly IncomingChunk[], options: StoreOptions = {}): Promise<ChunkResult[]> {
  return ctx.metrics.time("chunk.put", async () => {
    const now = Date.now();
    const { done, claimed } = await claimChunks(ctx, owner, chunks, now);
    const small = options.pack ? claimed.filter((c) => c.chunk.bytes.byteLength <= PACK_MAX_CHUNK_BYTES) : [];
    const packs = small.length >= MIN_PACK_CHUNKS ? planPacks(owner.vaultId, small, (c) => c.chunk.bytes) : [];
    const packed = new Set(packs.flatMap((p) => p.members.map((m) => m.item)));
    const standalone = claimed.filter((c) => !packed.has(c));
    const stored: { c: Claimed; info: ChunkInfo; pack: PackRef | null }[] = [];
    let failure: Error | undefined;
    if (packs.length > 0) {
      await withWriteTransaction(ctx.db, (tx) =>
        tx.execute({
          sql: `INSERT INTO chunk_pack_uploads (pack_key, vault_id, since) VALUES ${marks(packs.length, "(?, ?, ?)")}`,
          args: packs.flatMap((p) => [p.key, owner.vaultId, Date.now()]),
        }),
      );
    }
    await Promise.all([
      inParallel(standalone, PUT_WIDTH, async (c) => {
        try {
          const put = await ctx.store.put(storageKey(owner.vaultId, c.chunk.id), c.chunk.bytes, { maxSize: ctx.config.maxChunkBytes });
          // A digest the caller checked is the digest of these bytes: the store need not hash them again.
          stored.push({ c, info: { id: c.chunk.id, size: put.size, sha256: c.chunk.sha256 ?? put.sha256 }, pack: null });
        } catch (error) {
          failure ??= storeError(error, ctx.config.maxChunkBytes);
        }
      }),
      inParallel(packs, PUT_WIDTH, async (plan) => {
        try {
          await ctx.store.put(plan.key, plan.bytes, { size: plan.bytes.byteLength });
          ctx.metrics.count("chunk.packs_written", 1);
          for (const { item: c, offset, length } of plan.members) {
            const info = { id: c.chunk.id, size: length, sha256: c.chunk.sha256 ?? sha256Hex(c.chunk.bytes) };
            stored.push({ c, info, pack: { key: plan.key, offset, length } });
          }
        } catch (error) {
          failure ??= storeError(error, ctx.config.maxChunkBytes);
        }
      }),
    ]);
    const recordedAt = Date.now();
    const unusedPacks = new Set(packs.map((p) => p.key));
    await withWriteTransaction(ctx.db, async (tx) => {
      unusedPacks.clear();
      for (const p of packs) unusedPacks.add(p.key);
      const claim = claimed[0]?.claim;
      const listed = new Set<string>();
      for (const slice of slices(packs.map((p) => p.key))) {
        const taken = await tx.execute({
          sql: `DELETE FROM chunk_pack_uploads WHERE pack_key IN (${marks(slice.length)}) RETURNING pack_key`,
          args: slice,
        });
        for (const row of taken.rows) listed.add(str(row.pack_key));
      }
      // A pack a sweep took off the list may be deleted: record none of its chunks.
      const recordable = stored.filter((s) => s.pack === null || listed.has(s.pack.key));
      const recorded = claim === undefined ? new Set<string>() : await recordAll(tx, owner, recordable, claim, recordedAt);
      for (const { info, pack } of stored) {
        const ok = recorded.has(info.id);
        done.set(info.id, ok ? { ...info, status: "stored" } : { id: info.id, status: "busy" });
        if (ok) {
          ctx.metrics.count("chunk.bytes_in", info.size);
          if (pack) unusedPacks.delete(pack.key);
        }
      }
    });
    // No row points into these packs, and no upload ever will (fresh keys).
    for (const key of unusedPacks) await ctx.store.delete(key).catch((error: unknown) => ctx.logger.warn({ pack: key, err: error }, "cannot delete an unused pack"));
    if (failure !== undefined) throw failure;
    const out: ChunkResult[] = [];
    const seen = new Set<string>();
    for (const chunk of chunks) {
      if (seen.has(chunk.id)) continue;
      seen.add(chunk.id);
      const result = done.get(chunk.id);
      if (result) out.push(result);
    }
    return out;
  });
}

/**
 * Deletes the packs of batch uploads that died between storing a pack and
 * recording its rows: listed in `chunk_pack_uploads` since before
 * `olderThan`. Taking a pack off the list first means its upload, should it
 * still be alive, records none of its chunks (they answer `busy`).
 * @param ctx The server context.
 * @param olderThan Epoch ms: only packs listed before it.
 * @returns How many packs were deleted.
 */
export async function finishStalePackUploads(ctx: ServerContext, olderThan: number): Promise<number> {
  const stale = await ctx.db.execute({ sql: "SELECT pack_key FROM chunk_pack_uploads WHERE since < ?", args: [olderThan] });
  let deleted = 0;
  for (const row of stale.rows) {
    const key = str(row.pack_key);
    const taken = await withWriteTransaction(ctx.db, (tx) =>
      tx.execute({ sql: "DELETE FROM chunk_pack_uploads WHERE pack_key = ? AND since < ? RETURNING 1", args: [key, olderThan] }),
    );
    if (taken.rows.length === 0) continue;
    await ctx.store.delete(key);
    deleted++;
  }
  return deleted;
}

/**
 * Stores one chunk whose bytes are in memory.
 * @param ctx The server context.
 * @param owner The vault and uploader.
 * @param id The chunk id.
 * @param bytes The bytes.
 * @param sha256 Their SHA-256 when the caller already checked it (saves hashing them again).
 * @returns What is stored under the id, and whether it was there already.
 * @throws HttpError 503 `chunk_busy` when a deletion or another upload of the chunk is in progress.
 */
export async function putChunk(ctx: ServerContext, owner: ChunkOwner, id: string, bytes: Uint8Array, sha256?: string): Promise<ChunkInfo & { exists: boolean }> {
  if (bytes.byteLength > ctx.config.maxChunkBytes) throw tooLarge(ctx.config.maxChunkBytes);
  const [result] = await storeChunks(ctx, owner, [sha256 === undefined ? { id, bytes } : { id, bytes, sha256 }]);
  if (!result || result.status === "busy") throw chunkBusy(id);
  return { id, size: result.size, sha256: result.sha256, exists: result.status === "exists" };
}

interface ChunkRow {
  size: number;
  sha256: string;
  deleting: boolean;
  pack: PackRef | null;
}

async function rowsOf(db: Executor, vaultId: string, ids: readonly string[], withDeleting: boolean): Promise<Map<string, ChunkRow>> {
  const unique = [...new Set(ids)];
  const rows = new Map<string, ChunkRow>();
  for (let i = 0; i < unique.length; i += 500) {
    const slice = unique.slice(i, i + 500);
    const result = await db.execute({
      sql: `SELECT id, size, sha256, deleting_since, pack_key, pack_offset, pack_length FROM chunks WHERE vault_id = ? ${withDeleting ? "" : "AND deleting_since IS NULL"}
            AND id IN (${slice.map(() => "?").join(", ")})`,
      args: [vaultId, ...slice],
    });
    for (const row of result.rows) {
      const pack = row.pack_key === null ? null : { key: str(row.pack_key), offset: Number(row.pack_offset), length: Number(row.pack_length) };
      rows.set(str(row.id), { size: Number(row.size), sha256: str(row.sha256), deleting: row.deleting_since !== null, pack });
    }
  }
  return rows;
}

/**
 * Reads the rows of live chunks of a vault.
 * @param db The database or a transaction.
 * @param vaultId Whose chunks.
 * @param ids Chunk ids (duplicates allowed).
 * @returns The row of each id that is present, with where its bytes are.
 */
export async function chunkInfos(db: Executor, vaultId: string, ids: readonly string[]): Promise<Map<string, ChunkRecord>> {
  const rows = await rowsOf(db, vaultId, ids, false);
  return new Map([...rows].map(([id, r]) => [id, { id, size: r.size, sha256: r.sha256, pack: r.pack }]));
}

/**
 * Reads a chunk's row.
 * @param ctx The server context.
 * @param vaultId Whose chunk.
 * @param id The chunk id.
 * @returns The row, or null.
 */
export async function chunkInfo(ctx: ServerContext, vaultId: string, id: string): Promise<ChunkRecord | null> {
  return (await chunkInfos(ctx.db, vaultId, [id])).get(id) ?? null;
}

/**
 * Whether a chunk is present: its row exists and the store holds that many
 * bytes (a packed chunk: its pack reaches to the chunk's end).
 * @param ctx The server context.
 * @param vaultId Whose chunk.
 * @param id The chunk id.
 * @returns The row when present, else null.
 */
export async function presentChunk(ctx: ServerContext, vaultId: string, id: string): Promise<ChunkRecord | null> {
  const info = await chunkInfo(ctx, vaultId, id);
  if (!info) return null;
  if (info.pack) {
    const stat = await ctx.store.stat(info.pack.key);
    return stat && stat.size >= info.pack.offset + info.pack.length && info.pack.length === info.size ? info : null;
  }
  const stat = await ctx.store.stat(storageKey(vaultId, id));
  return stat && stat.size === info.size ? info : null;
}

/**
 * Reads a packed chunk's bytes by range.
 * @param ctx The server context.
 * @param info The chunk's row (with its pack).
 * @returns The bytes, or null when the pack is gone or ends before the chunk does (logged).
 */
export async function readPackedChunk(ctx: ServerContext, info: ChunkRecord & { pack: PackRef }): Promise<Uint8Array | null> {
  const bytes = await ctx.store.getRange(info.pack.key, info.pack.offset, info.pack.length);
  if (!bytes) return null;
  if (bytes.byteLength !== info.size) {
    ctx.logger.error({ chunk: info.id, pack: info.pack.key, expected: info.size, got: bytes.byteLength }, "chunk length mismatch");
    return null;
  }
  ctx.metrics.count("chunk.bytes_out", bytes.byteLength);
  return bytes;
}

/**
 * Opens a stored chunk; the stream fails if the store returns a different
 * number of bytes than were stored.
 * @param ctx The server context.
 * @param vaultId Whose chunk.
 * @param info The chunk's row.
 * @returns The verified stream, or null when the store lost the bytes.
 */
export async function openStoredChunk(ctx: ServerContext, vaultId: string, info: ChunkRecord): Promise<ReadableStream<Uint8Array> | null> {
  if (info.pack) {
    const bytes = await readPackedChunk(ctx, { ...info, pack: info.pack });
    if (!bytes) {
      ctx.logger.error({ chunk: info.id, pack: info.pack.key }, "chunk row without its bytes in its pack");
      return null;
    }
    return new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
  }
  const raw = await ctx.store.get(storageKey(vaultId, info.id));
  if (!raw) {
    ctx.logger.error({ chunk: info.id }, "chunk row without stored bytes");
    return null;
  }
  let seen = 0;
  const verify = new TransformStream<Uint8Array, Uint8Array>({
    transform(part, controller) {
      seen += part.byteLength;
      if (seen > info.size) controller.error(new Error(`Chunk ${info.id} is longer than stored`));
      else controller.enqueue(part);
    },
    flush(controller) {
      if (seen !== info.size) {
        ctx.logger.error({ chunk: info.id, expected: info.size, got: seen }, "chunk length mismatch");
        controller.error(new Error(`Chunk ${info.id} is shorter than stored`));
      } else ctx.metrics.count("chunk.bytes_out", seen);
    },
  });
  return raw.pipeThrough(verify);
}

/**
 * Opens a chunk for download.
 * @param ctx The server context.
 * @param vaultId Whose chunk.
 * @param id The chunk id.
 * @returns The row and the verified stream, or null when absent.
 */
export async function openChunk(ctx: ServerContext, vaultId: string, id: string): Promise<{ info: ChunkRecord; body: ReadableStream<Uint8Array> } | null> {
  const info = await chunkInfo(ctx, vaultId, id);
  if (!info) return null;
  const body = await openStoredChunk(ctx, vaultId, info);
  return body ? { info, body } : null;
}

/**
 * Which of `ids` the vault does not have.
 * @param ctx The server context.
 * @param vaultId Whose chunks.
 * @param ids Chunk ids.
 * @returns The missing ids, in first-seen order, without duplicates.
 */
export async function missingChunks(ctx: ServerContext, vaultId: string, ids: readonly string[]): Promise<string[]> {
  const present = await rowsOf(ctx.db, vaultId, ids, false);
  return [...new Set(ids)].filter((id) => !present.has(id));
}

async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

function storeError(error: unknown, max: number): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const name = error.name;
  if (name === "TooLargeError") return tooLarge(max);
  if (name === "InvalidKeyError") return new HttpError(422, "invalid_request", "Invalid chunk id");
  if (name === "IntegrityError") return new HttpError(400, "integrity", "The chunk body did not match its expected length or hash");
  return error;
}
