/**
 * What the server stores, read beside the running server: rows and bytes of
 * its SQLite `chunks` table (stored, encrypted sizes) and the size of its
 * chunk folder on disk. The difference of two readings is what an action uploaded.
 */
import { createClient } from "@libsql/client";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

/** One reading of the server's chunk storage. */
export interface ChunkUsage {
  /** Rows of the `chunks` table. */
  chunks: number;
  /** Sum of their stored sizes. */
  bytes: number;
  /** `du -sb` of the chunk folder (packs and standalone objects). */
  diskBytes: number;
}

/**
 * Reads the server's chunk rows and chunk folder size.
 * @param dataDir The server's data folder.
 * @returns The reading.
 */
export async function chunkUsage(dataDir: string): Promise<ChunkUsage> {
  const db = createClient({ url: `file:${join(dataDir, "syncagent.db")}` });
  try {
    const rs = await db.execute("SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM chunks");
    const row = rs.rows[0];
    const du = spawnSync("du", ["-sb", join(dataDir, "chunks")], { encoding: "utf8" });
    return { chunks: Number(row?.n ?? 0), bytes: Number(row?.bytes ?? 0), diskBytes: Number(du.stdout.split("\t")[0] ?? 0) };
  } finally {
    db.close();
  }
}

/**
 * The growth between two readings.
 * @param before The first reading.
 * @param after The second.
 * @returns Chunks and bytes added.
 */
export function usageGrowth(before: ChunkUsage, after: ChunkUsage): ChunkUsage {
  return { chunks: after.chunks - before.chunks, bytes: after.bytes - before.bytes, diskBytes: after.diskBytes - before.diskBytes };
}
