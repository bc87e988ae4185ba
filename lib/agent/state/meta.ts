import type { Client } from "@libsql/client";
import { str } from "../../db/row.ts";
import type { StateSchema } from "./db.ts";

/** A small key-value table: the change-log cursor and other single values. */
export const META_SCHEMA: StateSchema = ["CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"];

/** Single values the agent keeps (the cursor, the paused flag…). */
export class MetaStore {
  private constructor(private readonly db: Client) {}

  /**
   * @param db The agent's state database (opened with META_SCHEMA).
   * @returns The store.
   */
  static open(db: Client): Promise<MetaStore> {
    return Promise.resolve(new MetaStore(db));
  }

  /**
   * @param key The name.
   * @returns Its value, or undefined.
   */
  async get(key: string): Promise<string | undefined> {
    const rs = await this.db.execute({ sql: "SELECT value FROM meta WHERE key = ?", args: [key] });
    const row = rs.rows[0];
    return row ? str(row.value) : undefined;
  }

  /**
   * @param key The name.
   * @param value The value.
   */
  async set(key: string, value: string): Promise<void> {
    await this.db.execute({ sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", args: [key, value] });
  }
}
