/**
 * Upload progress at chunk level (A7): each chunk of a file being uploaded
 * is recorded once the server confirmed it stored, with the stamp of the
 * file it was read from. After a crash, an upload of the same file with the
 * same stamp resumes after the confirmed chunks; another stamp starts over.
 */
import type { Client } from "@libsql/client";
import type { StateSchema } from "../state/db.ts";
import { stampKey, type FileStamp } from "./file-stamp.ts";

/** Tables of the upload progress store. */
export const UPLOAD_PROGRESS_SCHEMA: StateSchema = [
  `CREATE TABLE IF NOT EXISTS upload_progress (
     rel_path TEXT NOT NULL,
     idx INTEGER NOT NULL,
     stamp TEXT NOT NULL,
     offset INTEGER NOT NULL,
     chunk_id TEXT NOT NULL,
     size INTEGER NOT NULL,
     epoch INTEGER NOT NULL,
     PRIMARY KEY (rel_path, idx)
   ) WITHOUT ROWID`,
];

/** One confirmed chunk. */
export interface ConfirmedChunk {
  index: number;
  offset: number;
  id: string;
  size: number;
}

/** Per-chunk progress of uploads. */
export class UploadProgressStore {
  readonly #db: Client;

  private constructor(db: Client) {
    this.#db = db;
  }

  /**
   * Opens the store in the agent's state database (creating its table).
   * @param db The state database.
   * @returns The store.
   */
  static async open(db: Client): Promise<UploadProgressStore> {
    for (const statement of UPLOAD_PROGRESS_SCHEMA) await db.execute(statement);
    return new UploadProgressStore(db);
  }

  /**
   * The chunks of a file confirmed stored, from its start and without a gap,
   * when they were read from the same content (stamp) with the same epoch;
   * other progress of that path is discarded.
   * @param relPath The file.
   * @param stamp Its stamp now.
   * @param epoch The epoch chunks are made with now.
   * @returns The confirmed prefix, in order (empty when there is none).
   */
  async resume(relPath: string, stamp: FileStamp, epoch: number): Promise<ConfirmedChunk[]> {
    const rows = await this.#db.execute({
      sql: "SELECT idx, stamp, offset, chunk_id, size, epoch FROM upload_progress WHERE rel_path = ? ORDER BY idx",
      args: [relPath],
    });
    const key = stampKey(stamp);
    const out: ConfirmedChunk[] = [];
    let stale = false;
    let end = 0;
    for (const r of rows.rows) {
      if ((r.stamp as string) !== key || Number(r.epoch) !== epoch) {
        stale = true;
        break;
      }
      const index = Number(r.idx);
      const offset = Number(r.offset);
      if (index !== out.length || offset !== end) break;
      out.push({ index, offset, id: r.chunk_id as string, size: Number(r.size) });
      end += Number(r.size);
    }
    if (stale) {
      await this.clear(relPath);
      return [];
    }
    return out;
  }

  /**
   * Records one chunk as stored.
   * @param relPath The file.
   * @param stamp The stamp of the content it was read from.
   * @param epoch The chunk's epoch.
   * @param chunk Its index, offset, id and size.
   */
  async record(relPath: string, stamp: FileStamp, epoch: number, chunk: ConfirmedChunk): Promise<void> {
    await this.#db.execute({
      sql: "INSERT OR REPLACE INTO upload_progress (rel_path, idx, stamp, offset, chunk_id, size, epoch) VALUES (?, ?, ?, ?, ?, ?, ?)",
      args: [relPath, chunk.index, stampKey(stamp), chunk.offset, chunk.id, chunk.size, epoch],
    });
  }

  /**
   * Forgets a file's progress (uploaded, or changed).
   * @param relPath The file.
   */
  async clear(relPath: string): Promise<void> {
    await this.#db.execute({ sql: "DELETE FROM upload_progress WHERE rel_path = ?", args: [relPath] });
  }

  /**
   * Paths with progress recorded (for tests and status).
   * @returns Relative paths.
   */
  async paths(): Promise<string[]> {
    const rows = await this.#db.execute("SELECT DISTINCT rel_path FROM upload_progress ORDER BY rel_path");
    return rows.rows.map((r) => r.rel_path as string);
  }
}
