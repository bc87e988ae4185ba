/**
 * Write transactions, serialised inside the process. libSQL runs statements
 * synchronously on the calling thread, so two connections of one process
 * contending for SQLite's write lock would block the event loop until the
 * busy timeout: writers therefore queue here first, and only other
 * processes (a CLI next to a running server) wait on the busy timeout.
 *
 * Rule: in the server process every write, even a single statement, goes
 * through {@link withWriteTransaction}; plain `db.execute` is for reads.
 */
import type { Client, Transaction } from "@libsql/client";
import { isLocal, TUNING_SQL } from "./tuning.ts";

const queues = new WeakMap<Client, Promise<unknown>>();

/**
 * Runs `fn` inside one write transaction (`BEGIN IMMEDIATE`): commits when
 * it resolves, rolls back when it throws. Calls on the same client run one
 * after another.
 * @param db The database client.
 * @param fn The work; receives the open transaction.
 * @returns What `fn` returned.
 */
export function withWriteTransaction<T>(db: Client, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  const previous = queues.get(db) ?? Promise.resolve();
  const run = previous.then(
    () => runInTransaction(db, fn),
    () => runInTransaction(db, fn),
  );
  queues.set(
    db,
    run.catch(() => undefined),
  );
  return run;
}

async function runInTransaction<T>(db: Client, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  const tx = await db.transaction("write");
  try {
    // The connection may be one the client opened since (tuning.ts).
    if (isLocal(db)) await tx.executeMultiple(TUNING_SQL);
    const result = await fn(tx);
    await tx.commit();
    return result;
  } catch (error) {
    if (!tx.closed) await tx.rollback().catch(() => undefined);
    throw error;
  } finally {
    tx.close();
  }
}
