/**
 * Leases in the database (S6): work that two server processes sharing one
 * database must never run at once (the trash purge, the change-log
 * cleaning) runs under a named lease. Taking it is one conditional upsert,
 * so exactly one taker wins on SQLite and on PostgreSQL; the holder renews
 * it while it works; a holder that dies (SIGKILL, a lost machine) loses it
 * when it expires, and the next taker goes on.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Client } from "@libsql/client";
import { str } from "../../db/row.ts";
import { HttpError } from "../http/errors.ts";
import { withWriteTransaction } from "./tx.ts";

/** How long a lease lasts without renewal. @default 10 minutes */
export const DEFAULT_LEASE_TTL_MS = 10 * 60_000;

/** The lease is held by another run (in this process or another). */
export class LeaseHeldError extends HttpError {
  override name = "LeaseHeldError";
  /**
   * @param lease The lease's name.
   * @param holder Who holds it (`host pid N`).
   * @param expiresAt When it expires unless renewed, ms since epoch.
   */
  constructor(
    readonly lease: string,
    readonly holder: string,
    readonly expiresAt: number,
  ) {
    super(409, "maintenance_running", `The ${lease} is already running (${holder}); try again when it has finished`, { lease });
  }
}

/** A held lease. */
export interface HeldLease {
  readonly name: string;
  readonly token: string;
}

/** Options of {@link withLease}. */
export interface LeaseOptions {
  /** Lifetime without renewal, in ms. @default {@link DEFAULT_LEASE_TTL_MS} */
  ttlMs?: number;
  /** The clock. @default Date.now */
  now?: () => number;
}

/**
 * Takes the lease if it is free, expired or already this token's.
 * @param db The database.
 * @param name The lease.
 * @param token This run's token.
 * @param ttlMs Lifetime from now.
 * @param now The current time, ms since epoch.
 * @returns Whether it is now held by `token`.
 */
export async function tryAcquireLease(db: Client, name: string, token: string, ttlMs: number, now: number): Promise<boolean> {
  return withWriteTransaction(db, async (tx) => {
    const taken = await tx.execute({
      sql: `INSERT INTO leases (name, holder, holder_label, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, holder_label = excluded.holder_label,
              acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
            WHERE leases.expires_at <= ? OR leases.holder = excluded.holder`,
      args: [name, token, `${hostname()} pid ${process.pid}`, now, now + ttlMs, now],
    });
    return taken.rowsAffected === 1;
  });
}

/**
 * Extends a held lease.
 * @param db The database.
 * @param lease The lease.
 * @param ttlMs Lifetime from now.
 * @param now The current time.
 * @returns False when it was lost (it expired and another run took it).
 */
export async function renewLease(db: Client, lease: HeldLease, ttlMs: number, now: number): Promise<boolean> {
  return withWriteTransaction(db, async (tx) => {
    const renewed = await tx.execute({ sql: "UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?", args: [now + ttlMs, lease.name, lease.token] });
    return renewed.rowsAffected === 1;
  });
}

/**
 * Gives a held lease back (nothing if it was lost meanwhile).
 * @param db The database.
 * @param lease The lease.
 */
export async function releaseLease(db: Client, lease: HeldLease): Promise<void> {
  await withWriteTransaction(db, (tx) => tx.execute({ sql: "DELETE FROM leases WHERE name = ? AND holder = ?", args: [lease.name, lease.token] }));
}

/**
 * Runs `work` under the lease `name`, renewing it every third of its
 * lifetime, and gives it back after.
 * @param db The database.
 * @param name The lease.
 * @param work The work.
 * @param options Lifetime and clock.
 * @returns What `work` returned.
 * @throws LeaseHeldError when another run holds the lease.
 */
export async function withLease<T>(db: Client, name: string, work: () => Promise<T>, options: LeaseOptions = {}): Promise<T> {
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const now = options.now ?? Date.now;
  const lease: HeldLease = { name, token: randomBytes(16).toString("hex") };
  if (!(await tryAcquireLease(db, name, lease.token, ttlMs, now()))) {
    const row = (await db.execute({ sql: "SELECT holder_label, expires_at FROM leases WHERE name = ?", args: [name] })).rows[0];
    throw new LeaseHeldError(name, row ? str(row.holder_label) : "another server process", Number(row?.expires_at ?? 0));
  }
  const timer = setInterval(() => {
    renewLease(db, lease, ttlMs, now()).catch(() => undefined);
  }, Math.max(1, Math.floor(ttlMs / 3)));
  timer.unref?.();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    await releaseLease(db, lease).catch(() => undefined);
  }
}
