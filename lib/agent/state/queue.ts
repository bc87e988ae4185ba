/**
 * The persistent event queue (A10): one pending event per path (the latest),
 * priorities DELETE > UPLOAD > DOWNLOAD, kept in SQLite across restarts.
 * Sources push what they saw; the coordinator plans from the trees and
 * clears the events a pass settled.
 */
import type { Client } from "@libsql/client";
import { str } from "../../db/row.ts";
import { deleteKeys, insertRows } from "./bulk.ts";
import type { StateSchema } from "./db.ts";

/** The queue table. */
export const QUEUE_SCHEMA: StateSchema = [
  `CREATE TABLE IF NOT EXISTS sync_queue (
     path TEXT PRIMARY KEY, type TEXT NOT NULL, source TEXT NOT NULL, priority INTEGER NOT NULL, ts INTEGER NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS sync_queue_order ON sync_queue (priority DESC, ts)",
];

/** Event types (A10). */
export type SyncEventType =
  | "LOCAL_CREATED"
  | "LOCAL_MODIFIED"
  | "LOCAL_DELETED"
  | "REMOTE_CREATED"
  | "REMOTE_MODIFIED"
  | "REMOTE_DELETED"
  | "TRANSFER_COMPLETE"
  | "TRANSFER_FAILED";

/** Where an event came from. */
export type SyncEventSource = "watcher" | "scan" | "server" | "engine";

/** One queued event. */
export interface SyncEvent {
  type: SyncEventType;
  path: string;
  source: SyncEventSource;
  /** ms since the epoch. */
  ts: number;
  priority: number;
}

/**
 * The priority of an event type: deletions first, then uploads, then downloads.
 * @param type The event type.
 * @returns 3 (delete), 2 (upload), 1 (download), 0 (transfer outcomes).
 */
export function priorityOf(type: SyncEventType): number {
  if (type === "LOCAL_DELETED" || type === "REMOTE_DELETED") return 3;
  if (type === "LOCAL_CREATED" || type === "LOCAL_MODIFIED") return 2;
  if (type === "REMOTE_CREATED" || type === "REMOTE_MODIFIED") return 1;
  return 0;
}

/** The queue. */
export class EventQueue {
  #size = 0;

  private constructor(private readonly db: Client) {}

  /**
   * @param db The state database (opened with QUEUE_SCHEMA).
   * @returns The queue.
   */
  static async open(db: Client): Promise<EventQueue> {
    const queue = new EventQueue(db);
    const rs = await db.execute("SELECT COUNT(*) AS n FROM sync_queue");
    queue.#size = Number(rs.rows[0]?.n ?? 0);
    return queue;
  }

  /** Pending events. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds events; a path's pending event is replaced by the latest one.
   * @param events The events (type, path, source; ts defaults to now).
   */
  async push(events: ReadonlyArray<{ type: SyncEventType; path: string; source: SyncEventSource; ts?: number }>): Promise<void> {
    if (events.length === 0) return;
    const now = Date.now();
    const statements = insertRows(
      "INSERT OR REPLACE INTO sync_queue (path, type, source, priority, ts)",
      events.map((e) => [e.path, e.type, e.source, priorityOf(e.type), e.ts ?? now]),
    );
    await this.db.batch(statements, "write");
    await this.recount();
  }

  /**
   * Pending events, highest priority first, oldest first within one.
   * @param limit Most to return.
   * @returns The events.
   */
  async peek(limit = 1000): Promise<SyncEvent[]> {
    const rs = await this.db.execute({ sql: "SELECT path, type, source, priority, ts FROM sync_queue ORDER BY priority DESC, ts LIMIT ?", args: [limit] });
    return rs.rows.map((r) => ({ path: str(r.path), type: str(r.type) as SyncEventType, source: str(r.source) as SyncEventSource, priority: Number(r.priority), ts: Number(r.ts) }));
  }

  /**
   * Clears the events a pass settled: every event queued up to `until`,
   * except those of paths still failing.
   * @param until ms: events newer than this stay (they arrived during the pass).
   * @param keep Paths whose events stay.
   */
  async settle(until: number, keep: ReadonlySet<string> = new Set()): Promise<void> {
    if (keep.size === 0) {
      await this.db.execute({ sql: "DELETE FROM sync_queue WHERE ts <= ?", args: [until] });
    } else {
      const rs = await this.db.execute({ sql: "SELECT path FROM sync_queue WHERE ts <= ?", args: [until] });
      const drop = rs.rows.map((r) => str(r.path)).filter((p) => !keep.has(p));
      const statements = deleteKeys("DELETE FROM sync_queue WHERE path", drop);
      if (statements.length > 0) await this.db.batch(statements, "write");
    }
    await this.recount();
  }

  private async recount(): Promise<void> {
    const rs = await this.db.execute("SELECT COUNT(*) AS n FROM sync_queue");
    this.#size = Number(rs.rows[0]?.n ?? 0);
  }
}
