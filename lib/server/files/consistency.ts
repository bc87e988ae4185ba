/**
 * `checkConsistency`: the invariants a crash must never break, checked on a
 * live database and store (used by `syncagent server check` and the crash
 * test):
 * - projections equal a replay of the events (no event without its
 *   projection, no projection without its event), the machine list
 *   included;
 * - every machine has its token row and every token row its machine, and a
 *   removed machine's token is revoked;
 * - the tree holds: no orphan, no cycle, no two live children of one
 *   folder with one name (lib/server/files/tree-invariants.ts);
 * - every chunk a version references has a row;
 * - every chunk row is readable in the store with its recorded length (and,
 *   with `deep`, its recorded SHA-256); a packed chunk's pack is present and
 *   reaches to the chunk's end (`deep`: its range has the SHA-256).
 */
import type { Client } from "@libsql/client";
import { createHash } from "node:crypto";
import type { ChunkStore } from "../../storage/port.ts";
import { str } from "../../db/row.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { dumpProjections, rebuildInTransaction } from "./rebuild.ts";
import { storageKey } from "../chunks/storage-key.ts";
import { treeProblems } from "./tree-invariants.ts";

/** The outcome of a check. */
export interface ConsistencyReport {
  ok: boolean;
  problems: string[];
  counts: { events: number; versions: number; chunks: number };
}

/** Options of {@link checkConsistency}. */
export interface CheckOptions {
  /** Read every chunk and compare its SHA-256. @default false */
  deep?: boolean;
}

class Rollback extends Error {}

/**
 * Checks the database and store against each other.
 * @param db The database.
 * @param store The chunk store.
 * @param options Depth of the chunk check.
 * @returns The problems found (none when `ok`).
 */
export async function checkConsistency(db: Client, store: ChunkStore, options: CheckOptions = {}): Promise<ConsistencyReport> {
  const problems: string[] = [];
  // Replay into the live tables inside a transaction that is always rolled back.
  await withWriteTransaction(db, async (tx) => {
    const before = await dumpProjections(tx);
    const replay = await rebuildInTransaction(tx);
    if (replay.deadLettered > 0) problems.push(`${replay.deadLettered} event(s) cannot be replayed (see dead_letters)`);
    const after = await dumpProjections(tx);
    for (const table of Object.keys(before)) {
      const a = new Set(before[table]);
      const b = new Set(after[table]);
      const extra = [...a].filter((r) => !b.has(r));
      const missing = [...b].filter((r) => !a.has(r));
      if (extra.length) problems.push(`${table}: ${extra.length} row(s) without their event, e.g. ${extra[0]}`);
      if (missing.length) problems.push(`${table}: ${missing.length} event effect(s) missing, e.g. ${missing[0]}`);
    }
    throw new Rollback();
  }).catch((error: unknown) => {
    if (!(error instanceof Rollback)) throw error;
  });
  const orphans = await db.execute(
    `SELECT r.id, 'token row missing' AS problem FROM machine_registry r WHERE NOT EXISTS (SELECT 1 FROM machine_tokens t WHERE t.id = r.id)
     UNION ALL
     SELECT t.id, 'no MachineRegistered event' FROM machine_tokens t WHERE NOT EXISTS (SELECT 1 FROM machine_registry r WHERE r.id = t.id)
     UNION ALL
     SELECT r.id, 'removed but its token is not revoked' FROM machine_registry r JOIN machine_tokens t ON t.id = r.id
       WHERE r.removed_at IS NOT NULL AND t.revoked_at IS NULL
     LIMIT 20`,
  );
  for (const row of orphans.rows) problems.push(`machine ${str(row.id)}: ${str(row.problem)}`);
  problems.push(...(await treeProblems(db)));
  const dangling = await db.execute(
    `SELECT DISTINCT v.account_id, v.chunk_id FROM version_chunks v
     WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.vault_id = v.vault_id AND c.id = v.chunk_id) LIMIT 20`,
  );
  for (const row of dangling.rows) problems.push(`chunk ${str(row.chunk_id)} is referenced but has no row`);
  const chunks = await db.execute("SELECT vault_id, id, size, sha256, pack_key, pack_offset, pack_length FROM chunks WHERE deleting_since IS NULL");
  const packSizes = new Map<string, number | null>();
  for (const row of chunks.rows) {
    const id = str(row.id);
    if (row.pack_key !== null) {
      const pack = { key: str(row.pack_key), offset: Number(row.pack_offset), length: Number(row.pack_length) };
      if (!packSizes.has(pack.key)) packSizes.set(pack.key, (await store.stat(pack.key))?.size ?? null);
      const packSize = packSizes.get(pack.key) ?? null;
      if (packSize === null) problems.push(`chunk ${id} has a row but its pack ${pack.key} is not in the store`);
      else if (pack.length !== Number(row.size)) problems.push(`chunk ${id} is ${pack.length} bytes in its pack, ${Number(row.size)} recorded`);
      else if (packSize < pack.offset + pack.length) problems.push(`chunk ${id} ends at byte ${pack.offset + pack.length} of its pack ${pack.key}, which has ${packSize}`);
      else if (options.deep) {
        const bytes = await store.getRange(pack.key, pack.offset, pack.length);
        const digest = bytes && bytes.byteLength === pack.length ? createHash("sha256").update(bytes).digest("hex") : null;
        if (digest !== str(row.sha256)) problems.push(`chunk ${id} does not match its recorded SHA-256 (in pack ${pack.key})`);
      }
      continue;
    }
    const key = storageKey(str(row.vault_id), id);
    const stat = await store.stat(key);
    if (!stat) {
      problems.push(`chunk ${id} has a row but is not in the store`);
      continue;
    }
    if (stat.size !== Number(row.size)) problems.push(`chunk ${id} is ${stat.size} bytes in the store, ${Number(row.size)} recorded`);
    else if (options.deep) {
      const digest = await sha256Of(store, key);
      if (digest !== str(row.sha256)) problems.push(`chunk ${id} does not match its recorded SHA-256`);
    }
  }
  const events = await db.execute("SELECT COUNT(*) AS n FROM events");
  const versions = await db.execute("SELECT COUNT(*) AS n FROM versions");
  return {
    ok: problems.length === 0,
    problems,
    counts: { events: Number(events.rows[0]?.n), versions: Number(versions.rows[0]?.n), chunks: chunks.rows.length },
  };
}

async function sha256Of(store: ChunkStore, key: string): Promise<string | null> {
  const body = await store.get(key);
  if (!body) return null;
  const hash = createHash("sha256");
  for await (const part of body as unknown as AsyncIterable<Uint8Array>) hash.update(part);
  return hash.digest("hex");
}
