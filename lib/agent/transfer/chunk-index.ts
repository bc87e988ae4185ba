/**
 * The chunk index (K3): for every chunk id, where its plaintext already is
 * on this disk (file, offset, size), so a download takes what it can from
 * local files instead of the server. A hint only: the downloader re-reads
 * the bytes and checks the chunk id before using them.
 * Writes are queued and applied in one transaction a moment later (many
 * files recorded at once cost one write); `lookup` and `flush` see them all.
 */
import type { Client, InStatement, InValue } from "@libsql/client";
import type { ManifestChunk } from "../../crypto/manifest.ts";
import { deleteKeys, insertRows } from "../state/bulk.ts";
import type { StateSchema } from "../state/db.ts";
import { ChunkOverlay, type ChunkLocation, type FileOp } from "./chunk-overlay.ts";
import type { FileStamp } from "./file-stamp.ts";

export type { ChunkLocation } from "./chunk-overlay.ts";

/** Tables of the chunk index. */
export const CHUNK_INDEX_SCHEMA: StateSchema = [
  `CREATE TABLE IF NOT EXISTS chunk_index (
     rel_path TEXT NOT NULL,
     offset INTEGER NOT NULL,
     chunk_id TEXT NOT NULL,
     size INTEGER NOT NULL,
     PRIMARY KEY (rel_path, offset)
   ) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS chunk_index_by_id ON chunk_index (chunk_id)`,
  `CREATE TABLE IF NOT EXISTS chunk_index_files (
     rel_path TEXT PRIMARY KEY,
     size INTEGER NOT NULL,
     mtime_ms REAL NOT NULL,
     ino INTEGER NOT NULL
   ) WITHOUT ROWID`,
];

/** Queued files that start a write at once (one transaction, a few statements). */
const FLUSH_FILES = 2000;
/**
 * How long queued writes wait for more (a lookup or `flush` applies them at once): the
 * index is a hint, so a crash that loses the last moment's records costs only reuse.
 */
const FLUSH_DELAY_MS = 100;
/** Ids per lookup query. */
const LOOKUP_IDS = 500;

/** A queued change to the index, applied in order. */
type IndexOp = FileOp | { kind: "move"; from: string; to: string };

/**
 * The statements of a run of queued changes. Records and forgets of files
 * are gathered (the last change of a path wins, as applying them one by one
 * would leave it) into a few multi-row statements; a move keeps its place
 * in the order.
 * @param ops The changes, oldest first.
 * @returns The statements.
 */
export function indexStatements(ops: readonly IndexOp[]): InStatement[] {
  const out: InStatement[] = [];
  let files = new Map<string, IndexOp & { kind: "record" | "forget" }>();
  const flushFiles = () => {
    if (files.size === 0) return;
    const paths = [...files.keys()];
    out.push(...deleteKeys("DELETE FROM chunk_index WHERE rel_path", paths), ...deleteKeys("DELETE FROM chunk_index_files WHERE rel_path", paths));
    const chunkRows: InValue[][] = [];
    const fileRows: InValue[][] = [];
    for (const op of files.values()) {
      if (op.kind !== "record") continue;
      let offset = 0;
      for (const c of op.chunks) {
        chunkRows.push([op.relPath, offset, c.id, c.size]);
        offset += c.size;
      }
      fileRows.push([op.relPath, op.stamp.size, op.stamp.mtimeMs, op.stamp.ino]);
    }
    out.push(
      ...insertRows("INSERT OR REPLACE INTO chunk_index (rel_path, offset, chunk_id, size)", chunkRows),
      ...insertRows("INSERT OR REPLACE INTO chunk_index_files (rel_path, size, mtime_ms, ino)", fileRows),
    );
    files = new Map();
  };
  for (const op of ops) {
    if (op.kind !== "move") {
      files.delete(op.relPath); // re-inserted last: the newest change of a path keeps its place
      files.set(op.relPath, op);
      continue;
    }
    flushFiles();
    for (const table of ["chunk_index", "chunk_index_files"]) {
      out.push({ sql: `DELETE FROM ${table} WHERE rel_path = ?1 OR substr(rel_path, 1, length(?1) + 1) = ?1 || '/'`, args: [op.to] });
      out.push({
        sql: `UPDATE ${table} SET rel_path = ?2 || substr(rel_path, length(?1) + 1)
              WHERE rel_path = ?1 OR substr(rel_path, 1, length(?1) + 1) = ?1 || '/'`,
        args: [op.from, op.to],
      });
    }
  }
  flushFiles();
  return out;
}

/** Chunk id → a local copy of its plaintext. */
export class ChunkIndex {
  readonly #db: Client;
  #pending: IndexOp[] = [];
  /** Batches taken from `#pending` whose transaction has not finished. */
  readonly #writing: IndexOp[][] = [];
  #flushing: Promise<void> = Promise.resolve();
  #scheduled = false;
  #error: Error | undefined = undefined;
  /** Moves among the queued writes: a lookup stores them first. */
  #moves = 0;
  /**
   * What the queued writes say (see {@link ChunkOverlay}), kept up to date as they are queued; null when it
   * must be built again (a write stored, or a move queued).
   */
  #overlay: ChunkOverlay | null = null;

  private constructor(db: Client) {
    this.#db = db;
  }

  /**
   * Opens the index in the agent's state database (creating its tables).
   * @param db The state database.
   * @returns The index.
   */
  static async open(db: Client): Promise<ChunkIndex> {
    for (const statement of CHUNK_INDEX_SCHEMA) await db.execute(statement);
    return new ChunkIndex(db);
  }

  /**
   * Records a file's chunks, replacing what was recorded for that path.
   * @param relPath The file, relative to the sync folder.
   * @param chunks Its chunks, in order.
   * @param stamp Its stamp now.
   */
  recordFile(relPath: string, chunks: readonly ManifestChunk[], stamp: FileStamp): Promise<void> {
    return this.#queue({ kind: "record", relPath, chunks, stamp: { size: stamp.size, mtimeMs: stamp.mtimeMs, ino: stamp.ino, mode: stamp.mode } });
  }

  /**
   * Forgets a file (deleted, or about to change).
   * @param relPath The file.
   */
  forgetFile(relPath: string): Promise<void> {
    return this.#queue({ kind: "forget", relPath });
  }

  /**
   * Follows a rename: every entry at `fromRel` or below it moves to `toRel`
   * (what was recorded at the destination is dropped).
   * @param fromRel The old relative path (a file or a folder).
   * @param toRel The new one.
   */
  movePrefix(fromRel: string, toRel: string): Promise<void> {
    if (fromRel !== toRel) return this.#queue({ kind: "move", from: fromRel, to: toRel });
    return this.#settle();
  }

  /**
   * Finds a local copy of each chunk.
   * @param ids Chunk ids.
   * @returns For each id found, one place holding it.
   */
  async lookup(ids: readonly string[]): Promise<Map<string, ChunkLocation>> {
    // Writes not stored yet answer for themselves, so a lookup does not force a write transaction (one per
    // downloaded file, before): rows of a path such a write touches are left out, its records answer instead.
    // A queued move (a folder renamed) is rarer and harder to replay: then the writes are applied first.
    if (this.#moves > 0) await this.flush();
    const overlay = this.#currentOverlay();
    const found = new Map<string, ChunkLocation>();
    const distinct = [...new Set(ids)];
    for (let at = 0; at < distinct.length; at += LOOKUP_IDS) {
      const part = distinct.slice(at, at + LOOKUP_IDS);
      const rows = await this.#db.execute({
        sql: `SELECT c.chunk_id, c.rel_path, c.offset, c.size, f.size AS file_size, f.mtime_ms, f.ino
              FROM chunk_index c JOIN chunk_index_files f ON f.rel_path = c.rel_path
              WHERE c.chunk_id IN (${part.map(() => "?").join(",")})`,
        args: part,
      });
      for (const r of rows.rows) {
        const id = r.chunk_id as string;
        if (found.has(id) || overlay?.touches(r.rel_path as string)) continue;
        found.set(id, {
          relPath: r.rel_path as string,
          offset: Number(r.offset),
          size: Number(r.size),
          stamp: { size: Number(r.file_size), mtimeMs: Number(r.mtime_ms), ino: Number(r.ino) },
        });
      }
    }
    if (overlay) for (const id of distinct) if (!found.has(id)) {
      const place = overlay.place(id);
      if (place) found.set(id, place);
    }
    return found;
  }

  /** Applies every queued write. @returns When they are stored. @throws The error of a failed write. */
  async flush(): Promise<void> {
    while (this.#pending.length > 0 || this.#scheduled) {
      this.#scheduled = false;
      await this.#run();
    }
    await this.#flushing;
    if (this.#error !== undefined) {
      const error = this.#error;
      this.#error = undefined;
      throw error;
    }
  }

  /** Queues a change and schedules its write. */
  #queue(op: IndexOp): Promise<void> {
    this.#pending.push(op);
    if (op.kind === "move") {
      this.#moves++;
      this.#overlay = null;
    } else this.#overlay?.apply(op);
    return this.#settle();
  }

  /** The overlay of every write not stored yet (no move among them), or null when there is none. */
  #currentOverlay(): ChunkOverlay | null {
    if (this.#writing.length === 0 && this.#pending.length === 0) return null;
    this.#overlay ??= ChunkOverlay.of([...this.#writing.flat(), ...this.#pending].filter((op): op is FileOp => op.kind !== "move"));
    return this.#overlay;
  }

  /** Schedules a write-behind flush; the returned promise does not wait for it. */
  #settle(): Promise<void> {
    if (this.#pending.length >= FLUSH_FILES) void this.#run();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setTimeout(() => {
        if (!this.#scheduled) return;
        this.#scheduled = false;
        void this.#run();
      }, FLUSH_DELAY_MS);
    }
    return Promise.resolve();
  }

  #run(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length > 0) this.#writing.push(batch);
    this.#flushing = this.#flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.#db.batch(indexStatements(batch), "write");
      } catch (error) {
        this.#error = error instanceof Error ? error : new Error(String(error));
      } finally {
        this.#writing.splice(this.#writing.indexOf(batch), 1);
        // Stored (or failed): its changes no longer stand in for the rows.
        this.#overlay = null;
        for (const op of batch) if (op.kind === "move") this.#moves--;
      }
    });
    return this.#flushing;
  }
}
