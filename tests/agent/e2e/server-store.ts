/**
 * What the server holds, read from its own database and chunk folder: the
 * stored chunk rows, and corrupting a stored chunk's bytes in place.
 */
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { storageKey } from "../../../lib/server/chunks/storage-key.ts";
import type { TestServer } from "../../helpers/server.ts";

/** One stored chunk row. */
export interface ChunkRow {
  vaultId: string;
  id: string;
  size: number;
  packKey: string | null;
  packOffset: number | null;
  packLength: number | null;
}

/**
 * The chunk rows of the server's database.
 * @param server The server.
 * @returns Every row.
 */
export async function chunkRows(server: TestServer): Promise<ChunkRow[]> {
  const rs = await server.ctx.db.execute("SELECT vault_id, id, size, pack_key, pack_offset, pack_length FROM chunks");
  return rs.rows.map((r) => ({
    vaultId: r.vault_id as string,
    id: r.id as string,
    size: Number(r.size),
    packKey: r.pack_key === null ? null : (r.pack_key as string),
    packOffset: r.pack_offset === null ? null : Number(r.pack_offset),
    packLength: r.pack_length === null ? null : Number(r.pack_length),
  }));
}

async function findObject(dir: string, key: string): Promise<string | null> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isFile() && e.name === key) return path;
    if (e.isDirectory()) {
      const found = await findObject(path, key);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Flips one byte in the middle of a stored chunk, in its own object or inside its pack.
 * @param server The server (its data dir).
 * @param row The chunk.
 */
export async function corruptChunk(server: TestServer, row: ChunkRow): Promise<void> {
  const key = row.packKey ?? storageKey(row.vaultId, row.id);
  const at = (row.packOffset ?? 0) + Math.floor((row.packLength ?? row.size) / 2);
  const path = await findObject(server.dataDir, key);
  if (!path) throw new Error(`No stored object for chunk ${row.id}`);
  const handle = await open(path, "r+");
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
}
