/**
 * How a server process learns that another process sharing its database
 * committed something, so its hub reads the tails at once (S6, A13). The
 * event table stays the source of truth and the cursor: a wake only says
 * "read now", it carries no event, and a lost wake costs at most one poll
 * period.
 *
 * Adapters: {@link POLLING_ONLY} (SQLite: the tails poll the table; a
 * commit through this process wakes its own hub directly) and
 * `wake-pg.ts` (PostgreSQL: `LISTEN/NOTIFY`).
 */
import type { Client } from "@libsql/client";
import type { Logger } from "pino";
import { PgClient } from "../../db/pg/client.ts";
import { openPgWake } from "./wake-pg.ts";

/** The cross-process wake port. */
export interface CrossProcessWake {
  /** Whether a commit by another process is sure to wake this one now (the tails may then poll slowly, as a safety net). */
  readonly live: boolean;
  /** Tells the other processes that this one committed something. */
  announce(): void;
  /**
   * Registers what to call when another process announced a commit, and
   * when the channel (re)connects (announcements sent while it was down are
   * lost: catch up).
   */
  subscribe(listener: () => void): void;
  /** Stops listening. */
  close(): Promise<void>;
}

/** No channel: other processes' commits are found by polling. */
export const POLLING_ONLY: CrossProcessWake = {
  live: false,
  announce: () => undefined,
  subscribe: () => undefined,
  close: () => Promise.resolve(),
};

/**
 * The wake channel the database offers: `LISTEN/NOTIFY` on PostgreSQL,
 * none on SQLite.
 * @param db The server's database.
 * @param log Where connection failures are reported.
 * @returns The channel.
 */
export function openCrossProcessWake(db: Client, log: Logger): CrossProcessWake {
  return db instanceof PgClient ? openPgWake(db, log) : POLLING_ONLY;
}
