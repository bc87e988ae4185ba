/**
 * Opens everything the server needs from a resolved config: the log, the
 * metadata database (migrated), the chunk store, and the context that ties
 * them together. Used by `syncagent server` and its maintenance commands.
 */
import { openChunkStore } from "../storage/open.ts";
import { MAX_PACK_BYTES } from "./chunks/pack.ts";
import type { ChunkStore } from "../storage/port.ts";
import type { ServerConfig, StorageConfig } from "./config.ts";
import { createServerContext, type ServerContext } from "./context.ts";
import { openDatabase } from "./db/open.ts";
import { createLogger } from "./logger.ts";

/** Options of {@link openServerContext}. */
export interface OpenContextOptions {
  /** Log to stdout as well as the file. @default true */
  stdout?: boolean;
  /** Opens the chunk store instead of {@link openConfiguredStore}. */
  openStore?: (storage: StorageConfig) => Promise<ChunkStore>;
}

/**
 * Opens the database, chunk store and log named by `config`.
 * @param config The resolved server settings.
 * @param options Logging and store overrides.
 * @returns The context; release it with {@link closeServerContext}.
 */
export async function openServerContext(config: ServerConfig, options: OpenContextOptions = {}): Promise<ServerContext> {
  const logger = createLogger({ file: config.logFile, level: config.logLevel, stdout: options.stdout !== false });
  const db = await openDatabase(
    config.databaseAuthToken ? { url: config.databaseUrl, authToken: config.databaseAuthToken } : { url: config.databaseUrl },
  );
  try {
    const store = options.openStore
      ? await options.openStore(config.storage)
      : await openConfiguredStore(config.storage, config.maxChunkBytes);
    return createServerContext({ config, db, store, logger });
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Closes the store and database and flushes the log.
 * @param ctx The context from {@link openServerContext}.
 */
export async function closeServerContext(ctx: ServerContext): Promise<void> {
  await ctx.store.close().catch(() => undefined);
  ctx.db.close();
  await new Promise<void>((resolve) => ctx.logger.flush(() => resolve()));
}

/**
 * Opens the chunk store a config names; it accepts objects up to the larger
 * of the configured chunk limit and the largest pack (chunks/pack.ts).
 * @param storage The storage settings.
 * @param maxChunkBytes The largest chunk accepted.
 * @returns The store.
 */
export function openConfiguredStore(storage: StorageConfig, maxChunkBytes: number): Promise<ChunkStore> {
  // A pack (lib/server/chunks/pack.ts) may be longer than one chunk.
  return openChunkStore({ ...storage, maxObjectSize: Math.max(maxChunkBytes, MAX_PACK_BYTES) });
}
