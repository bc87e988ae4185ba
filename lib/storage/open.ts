/**
 * Choosing the chunk store from configuration (S6): a local folder or an
 * S3-compatible bucket. The server prints the returned store's `location` at
 * start-up.
 */
import { StorageConfigError } from "./errors.ts";
import { openLocalChunkStore } from "./local.ts";
import type { ChunkStore } from "./port.ts";
import type { S3ChunkStoreConfig } from "./s3-config.ts";
import { openS3ChunkStore } from "./s3.ts";

/** Where chunks are kept. */
export type ChunkStoreConfig =
  | { kind: "local"; dir: string; maxObjectSize?: number }
  | ({ kind: "s3" } & S3ChunkStoreConfig);

/**
 * Opens the store the configuration names, checking that it can serve
 * (folder writable; bucket reachable with these credentials).
 * @throws StorageConfigError for an unusable configuration.
 * @throws StorageUnavailableError when the store cannot be reached or written.
 */
export async function openChunkStore(config: ChunkStoreConfig): Promise<ChunkStore> {
  switch (config.kind) {
    case "local":
      if (!config.dir) throw new StorageConfigError("The local chunk folder is not set");
      return openLocalChunkStore(config.dir, config.maxObjectSize === undefined ? {} : { maxObjectSize: config.maxObjectSize });
    case "s3": {
      const { kind: _kind, ...s3 } = config;
      return openS3ChunkStore(s3);
    }
    default:
      throw new StorageConfigError(
        `Unknown chunk storage kind ${JSON.stringify((config as { kind?: unknown }).kind)}: use local or s3`,
      );
  }
}

/**
 * Reads a chunk store configuration from environment-style settings (pure:
 * pass `process.env` or any record).
 *
 * - `SYNCAGENT_STORAGE`: `local` (default) or `s3`.
 * - local: `SYNCAGENT_CHUNK_DIR`, else `defaults.dir`.
 * - s3: `SYNCAGENT_S3_ENDPOINT` (default `https://s3.<region>.amazonaws.com`),
 *   `SYNCAGENT_S3_REGION` (default `us-east-1`), `SYNCAGENT_S3_BUCKET`,
 *   `SYNCAGENT_S3_PREFIX`, `SYNCAGENT_S3_ACCESS_KEY_ID`,
 *   `SYNCAGENT_S3_SECRET_ACCESS_KEY`, `SYNCAGENT_S3_SESSION_TOKEN`,
 *   `SYNCAGENT_S3_FORCE_PATH_STYLE` (`true`/`false`).
 * @throws StorageConfigError naming the missing or malformed setting.
 */
export function chunkStoreConfigFromEnv(
  env: Record<string, string | undefined>,
  defaults: { dir?: string } = {},
): ChunkStoreConfig {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const kind = get("SYNCAGENT_STORAGE") ?? "local";
  if (kind === "local") {
    const dir = get("SYNCAGENT_CHUNK_DIR") ?? defaults.dir;
    if (!dir) throw new StorageConfigError("Local chunk storage needs a folder: set SYNCAGENT_CHUNK_DIR");
    return { kind: "local", dir };
  }
  if (kind !== "s3") {
    throw new StorageConfigError(`Invalid SYNCAGENT_STORAGE ${JSON.stringify(kind)}: use local or s3`);
  }
  const region = get("SYNCAGENT_S3_REGION") ?? "us-east-1";
  const required = (name: string): string => {
    const value = get(name);
    if (value === undefined) throw new StorageConfigError(`S3 chunk storage needs ${name}`);
    return value;
  };
  const config: ChunkStoreConfig = {
    kind: "s3",
    endpoint: get("SYNCAGENT_S3_ENDPOINT") ?? `https://s3.${region}.amazonaws.com`,
    region,
    bucket: required("SYNCAGENT_S3_BUCKET"),
    prefix: get("SYNCAGENT_S3_PREFIX") ?? "",
    accessKeyId: required("SYNCAGENT_S3_ACCESS_KEY_ID"),
    secretAccessKey: required("SYNCAGENT_S3_SECRET_ACCESS_KEY"),
  };
  const token = get("SYNCAGENT_S3_SESSION_TOKEN");
  if (token) config.sessionToken = token;
  const pathStyle = get("SYNCAGENT_S3_FORCE_PATH_STYLE");
  if (pathStyle !== undefined) config.forcePathStyle = parseBoolean("SYNCAGENT_S3_FORCE_PATH_STYLE", pathStyle);
  return config;
}

function parseBoolean(name: string, value: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new StorageConfigError(`Invalid ${name} ${JSON.stringify(value)}: use true or false`);
}
