/**
 * The reports' persistent outbox: every report and command acknowledgement
 * waits here until the server acknowledged it, across reconnects and
 * restarts. Bounded: when full, the oldest `state` and `cursor` rows go
 * first (a later one supersedes them), then the oldest of any kind; what
 * was dropped is counted.
 */
import type { Client } from "@libsql/client";
import type { StateSchema } from "../state/db.ts";

/** The outbox table. */
export const REPORTS_SCHEMA: StateSchema = [
  `CREATE TABLE IF NOT EXISTS report_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, -- send order
    key TEXT NOT NULL UNIQUE,             -- the reportId, or the commandId of a command_ack
    kind TEXT NOT NULL,                   -- the message's type
    body TEXT NOT NULL,                   -- the message as sent (JSON)
    created INTEGER NOT NULL              -- ms since the epoch
  ) STRICT`,
];

/** Row kinds dropped first when the outbox is full. */
const SUPERSEDED_KINDS = ["state", "cursor"];

/** One waiting message. */
export interface OutboxRow {
  id: number;
  key: string;
  kind: string;
  body: string;
}

/** The outbox over the agent's state database. */
export class Outbox {
  /**
   * @param db The state database, with {@link REPORTS_SCHEMA} applied.
   * @param maxRows Most rows kept.
   */
  constructor(
    private readonly db: Client,
    private readonly maxRows: number,
  ) {}

  /**
   * Adds a message (nothing when its key is there already), making room first.
   * @param key Its reportId or commandId.
   * @param kind Its type.
   * @param body The JSON to send.
   * @param now Clock value in ms.
   * @returns How many older rows were dropped to make room.
   */
  async add(key: string, kind: string, body: string, now: number): Promise<number> {
    const dropped = await this.makeRoom();
    await this.db.execute({ sql: "INSERT OR IGNORE INTO report_outbox (key, kind, body, created) VALUES (?, ?, ?, ?)", args: [key, kind, body, now] });
    return dropped;
  }

  /**
   * The rows after a given one, oldest first.
   * @param afterId Row id to start after (0 for the oldest).
   * @param limit Most rows returned.
   * @returns The rows.
   */
  async after(afterId: number, limit: number): Promise<OutboxRow[]> {
    const rs = await this.db.execute({ sql: "SELECT id, key, kind, body FROM report_outbox WHERE id > ? ORDER BY id LIMIT ?", args: [afterId, limit] });
    return rs.rows.map((r) => ({ id: Number(r.id), key: r.key as string, kind: r.kind as string, body: r.body as string }));
  }

  /**
   * Forgets a message (acknowledged, or refused for good).
   * @param key Its reportId or commandId.
   * @returns Whether a row was removed.
   */
  async remove(key: string): Promise<boolean> {
    const rs = await this.db.execute({ sql: "DELETE FROM report_outbox WHERE key = ?", args: [key] });
    return rs.rowsAffected > 0;
  }

  /**
   * How many messages wait.
   * @returns The row count.
   */
  async size(): Promise<number> {
    const rs = await this.db.execute("SELECT COUNT(*) AS n FROM report_outbox");
    return Number(rs.rows[0]?.n ?? 0);
  }

  private async makeRoom(): Promise<number> {
    const excess = (await this.size()) - this.maxRows + 1;
    if (excess <= 0) return 0;
    const marks = SUPERSEDED_KINDS.map(() => "?").join(", ");
    const first = await this.db.execute({
      sql: `DELETE FROM report_outbox WHERE id IN (SELECT id FROM report_outbox WHERE kind IN (${marks}) ORDER BY id LIMIT ?)`,
      args: [...SUPERSEDED_KINDS, excess],
    });
    const rest = excess - first.rowsAffected;
    if (rest <= 0) return first.rowsAffected;
    const second = await this.db.execute({ sql: "DELETE FROM report_outbox WHERE id IN (SELECT id FROM report_outbox ORDER BY id LIMIT ?)", args: [rest] });
    return first.rowsAffected + second.rowsAffected;
  }
}
