/**
 * A minimal folder-backed chunk store used by the server tests until the
 * storage module's LocalFS adapter is available. Real files, atomic renames.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { ChunkStore, PutExpectation, StoredObject } from "../../../lib/storage/port.ts";

/**
 * Opens a chunk store in `dir`.
 * @param dir The folder.
 * @returns The store.
 */
export async function openFolderStore(dir: string): Promise<ChunkStore> {
  await mkdir(join(dir, "tmp"), { recursive: true });
  const file = (key: string): string => {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`Invalid key: ${key}`);
    return join(dir, key);
  };
  const statKey = async (key: string): Promise<{ size: number } | null> => {
    try {
      return { size: (await stat(file(key))).size };
    } catch {
      return null;
    }
  };
  return {
    kind: "local",
    location: dir,
    async put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, expected?: PutExpectation): Promise<StoredObject> {
      const target = file(key);
      const parts: Uint8Array[] = [];
      let size = 0;
      const hash = createHash("sha256");
      const chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array> = body instanceof Uint8Array ? [body] : (body as unknown as AsyncIterable<Uint8Array>);
      for await (const part of chunks) {
        size += part.byteLength;
        if (expected?.maxSize !== undefined && size > expected.maxSize) {
          throw Object.assign(new Error("Too large"), { name: "TooLargeError" });
        }
        hash.update(part);
        parts.push(part);
      }
      const sha256 = hash.digest("hex");
      if ((expected?.size !== undefined && expected.size !== size) || (expected?.sha256 && expected.sha256 !== sha256)) {
        throw Object.assign(new Error("Integrity"), { name: "IntegrityError" });
      }
      const tmp = join(dir, "tmp", randomUUID());
      await writeFile(tmp, Buffer.concat(parts));
      await rename(tmp, target);
      return { key, size, sha256 };
    },
    async get(key: string): Promise<ReadableStream<Uint8Array> | null> {
      const path = file(key);
      try {
        await stat(path);
      } catch {
        return null;
      }
      return Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>;
    },
    stat: statKey,
    has: async (key: string): Promise<boolean> => (await statKey(key)) !== null,
    async delete(key: string): Promise<void> {
      await rm(file(key), { force: true });
    },
    async *list(): AsyncIterable<{ key: string; size: number }> {
      for (const name of await readdir(dir)) {
        if (/^[0-9a-f]{64}$/.test(name)) yield { key: name, size: (await stat(join(dir, name))).size };
      }
    },
    close: () => Promise.resolve(),
  };
}
