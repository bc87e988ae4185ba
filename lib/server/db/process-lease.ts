/**
 * A server process's liveness lease (S6). Every process holds the lease
 * `server-process:<token>` while it runs and renews it every third of its
 * lifetime; what it owns in the database (upload claims) carries its token.
 * Another process can then tell the work of a live process from that of a
 * dead one: a dead process's lease expires, or, when it ran on this host,
 * its pid is gone, and what it owned can be released.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Client } from "@libsql/client";
import { str } from "../../db/row.ts";
import { releaseLease, tryAcquireLease } from "./lease.ts";
import { withWriteTransaction } from "./tx.ts";

/** The name of a process's lease is this prefix and its token. */
export const PROCESS_LEASE_PREFIX = "server-process:";

/** A process token's length in characters (16 random bytes in hex). */
export const PROCESS_TOKEN_LENGTH = 32;

/**
 * A fresh token for this process.
 * @returns {@link PROCESS_TOKEN_LENGTH} hex characters.
 */
export function newProcessToken(): string {
  return randomBytes(PROCESS_TOKEN_LENGTH / 2).toString("hex");
}

/** A process lease's lifetime without renewal. @default 60 s */
export const PROCESS_LEASE_TTL_MS = 60_000;

/** A running process's lease. */
export interface ProcessLease {
  /** Stops renewing and gives the lease back. */
  stop(): Promise<void>;
}

/** Options of {@link holdProcessLease}. */
export interface ProcessLeaseOptions {
  /** Lifetime without renewal. @default {@link PROCESS_LEASE_TTL_MS} */
  ttlMs?: number;
  /** The clock. @default Date.now */
  now?: () => number;
  /** Runs after each renewal (the release of dead processes' work). */
  onRenew?: () => Promise<void>;
  /** Reports a failed renewal; the next tick tries again. */
  onError?: (error: unknown) => void;
}

/**
 * Takes this process's lease and keeps it: renewed every third of its
 * lifetime, taken again if it was lost (a stall longer than its lifetime).
 * @param db The database.
 * @param token This process's token.
 * @param options Lifetime, clock and hooks.
 * @returns The held lease.
 */
export async function holdProcessLease(db: Client, token: string, options: ProcessLeaseOptions = {}): Promise<ProcessLease> {
  const ttlMs = options.ttlMs ?? PROCESS_LEASE_TTL_MS;
  const now = options.now ?? Date.now;
  const name = PROCESS_LEASE_PREFIX + token;
  await tryAcquireLease(db, name, token, ttlMs, now());
  let running: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    await tryAcquireLease(db, name, token, ttlMs, now());
    await options.onRenew?.();
  };
  const timer = setInterval(() => {
    running = tick().catch((error: unknown) => options.onError?.(error));
  }, Math.max(1, Math.floor(ttlMs / 3)));
  timer.unref?.();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await releaseLease(db, { name, token }).catch(() => undefined);
    },
  };
}

/**
 * Ends the leases of processes that ran on this host and are gone (their pid
 * no longer exists), so their work is released at once instead of when the
 * lease expires: a restarted server does not wait a minute for its
 * predecessor. Leases of other hosts are left to expire.
 * @param db The database.
 * @param now The current time.
 * @param alive Whether a pid runs here. @default a signal-0 probe
 * @returns How many leases were ended.
 */
export async function endLeasesOfDeadLocalProcesses(db: Client, now: number, alive: (pid: number) => boolean = pidAlive): Promise<number> {
  const rs = await db.execute({
    sql: "SELECT name, holder, holder_label FROM leases WHERE name LIKE ? AND expires_at > ?",
    args: [`${PROCESS_LEASE_PREFIX}%`, now],
  });
  const here = hostname();
  const dead = rs.rows.filter((row) => {
    const label = /^(.*) pid (\d+)$/.exec(str(row.holder_label));
    if (!label || label[1] !== here) return false;
    const pid = Number(label[2]);
    return pid !== process.pid && !alive(pid);
  });
  if (dead.length === 0) return 0;
  await withWriteTransaction(db, async (tx) => {
    for (const row of dead) {
      await tx.execute({ sql: "DELETE FROM leases WHERE name = ? AND holder = ?", args: [str(row.name), str(row.holder)] });
    }
  });
  return dead.length;
}

/**
 * Deletes process leases that expired: their work was released (or is
 * released in the same pass, before this runs).
 * @param db The database.
 * @param now The current time.
 * @returns How many were deleted.
 */
export async function forgetExpiredProcessLeases(db: Client, now: number): Promise<number> {
  const rs = await withWriteTransaction(db, (tx) =>
    tx.execute({ sql: "DELETE FROM leases WHERE name LIKE ? AND expires_at <= ?", args: [`${PROCESS_LEASE_PREFIX}%`, now] }),
  );
  return rs.rowsAffected;
}

/** Whether a process with this pid runs on this host (EPERM: it runs as another user). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
