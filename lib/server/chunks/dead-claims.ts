/**
 * Upload claims left by a previous server process (S6). A claim
 * (`chunk_uploads`) stands for an upload in progress; one whose request died
 * with its process blocks that chunk id (`busy`) until it is older than the
 * upload time bound, five minutes by default. A server starting on a local
 * SQLite file is the only process serving that database, so no upload is in
 * progress when it starts: every claim it finds is dead and is released,
 * and a restart costs the agents one retry instead of five minutes. With a
 * shared (remote) database other servers may hold live claims: those are
 * left to the time bound.
 */
import type { Client } from "@libsql/client";

/**
 * Releases the claims of uploads that died with an earlier server process.
 * @param db The server's database.
 * @param databaseUrl Its URL: only a local file (`file:`) is released.
 * @returns How many claims were released.
 */
export async function releaseDeadClaims(db: Client, databaseUrl: string): Promise<number> {
  if (!databaseUrl.startsWith("file:")) return 0;
  const rs = await db.execute("DELETE FROM chunk_uploads");
  return rs.rowsAffected;
}
