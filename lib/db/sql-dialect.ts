/**
 * Which database a client or transaction speaks to, for the few queries
 * whose text differs between SQLite and PostgreSQL (the rest is rewritten
 * by lib/db/pg/dialect.ts). Each such query keeps both texts side by side.
 */
import type { Client, Transaction } from "@libsql/client";
import { PgClient, PgTransaction } from "./pg/client.ts";

/**
 * Whether statements on `db` run on PostgreSQL.
 * @param db A client or a transaction.
 * @returns True for PostgreSQL, false for SQLite and libSQL.
 */
export function isPostgres(db: Pick<Client, "execute"> | Pick<Transaction, "execute">): boolean {
  return db instanceof PgClient || db instanceof PgTransaction;
}
