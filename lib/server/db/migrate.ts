import type { Client } from "@libsql/client";
import { migrations, type Migration } from "./migrations/index.ts";

/**
 * Applies, in order and each in its own transaction, the migrations the
 * database has not recorded yet. Safe to run from several processes at once:
 * the write transaction serialises them and a migration already recorded is
 * skipped.
 * @param client The database.
 * @param list The migrations to apply.
 * @returns The ids of the migrations applied by this call.
 */
export async function migrate(client: Client, list: readonly Migration[] = migrations): Promise<number[]> {
  await client.execute(
    "CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT",
  );
  const applied: number[] = [];
  const sorted = [...list].sort((a, b) => a.id - b.id);
  for (const migration of sorted) {
    const tx = await client.transaction("write");
    try {
      const done = await tx.execute({ sql: "SELECT 1 FROM schema_migrations WHERE id = ?", args: [migration.id] });
      if (done.rows.length > 0) {
        await tx.rollback();
        continue;
      }
      for (const statement of migration.statements) await tx.execute(statement);
      await tx.execute({
        sql: "INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)",
        args: [migration.id, migration.name, Date.now()],
      });
      await tx.commit();
      applied.push(migration.id);
    } catch (error) {
      tx.close();
      throw new Error(`Cannot apply migration ${migration.id} (${migration.name}): ${(error as Error).message}`, { cause: error });
    }
  }
  return applied;
}
