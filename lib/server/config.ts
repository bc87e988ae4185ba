/**
 * The server's settings and how they are resolved: command-line flag, else
 * environment variable (`SYNCAGENT_…`, already merged by the CLI), else the
 * JSON config file (`--config`), else the embedded default. Pure: no I/O.
 */
import { isIP } from "node:net";
import { normalizeAddress } from "./auth/client-address.ts";
import { z } from "zod";
import { DEFAULT_MULTIPART_PART_SIZE, MAX_MULTIPART_PART_SIZE, MIN_MULTIPART_PART_SIZE } from "../storage/s3-config.ts";

const MIB = 1024 * 1024;

/** Where chunks are kept (S6). */
export type StorageConfig =
  | { kind: "local"; dir: string }
  | {
      kind: "s3";
      endpoint: string;
      bucket: string;
      region: string;
      prefix: string;
      accessKeyId: string;
      secretAccessKey: string;
      /** Multipart part size in bytes (objects larger than it go up in parts). */
      multipartPartSize?: number;
    };

/** Every setting of `syncagent server`, fully resolved. */
export interface ServerConfig {
  /** Folder holding the database, the chunk folder and the log file. */
  dataDir: string;
  host: string;
  port: number;
  /** `file:/abs/path.db` or a remote libSQL URL (S2). */
  databaseUrl: string;
  databaseAuthToken?: string;
  storage: StorageConfig;
  /** Largest accepted chunk body in bytes; larger bodies get 413. */
  maxChunkBytes: number;
  /** Most WebSockets one machine keeps open on one server process; one more closes its oldest (4429). */
  maxSocketsPerMachine: number;
  /** S5: trash entries older than this are purged. */
  trashRetentionDays: number;
  /** S7: change-log entries older than this are cleaned. */
  changeRetentionDays: number;
  /** Local hour (0–23) of the daily purge. */
  purgeHour: number;
  /** S9: JSON-lines log file (also written to stdout). */
  logFile: string;
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
  /** Extra Host header values accepted besides the listening address. */
  allowedHosts: string[];
  /** Addresses of the reverse proxies (load balancers) whose `X-Forwarded-For` names the client; empty: trust none. */
  trustedProxies: string[];
  /** The URL users reach the server at (behind a reverse proxy), e.g. `https://sync.example.org`. */
  publicUrl?: string;
  /** PEM files: when both are set the server speaks HTTPS. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** A request's headers must arrive within this long of the connection's first byte, else it is closed. */
  headersTimeoutMs: number;
  /** A request's body (every route but chunk uploads) must arrive within this long, else the connection is closed. */
  bodyTimeoutMs: number;
  /**
   * A chunk upload's body (single or batch) must arrive within this long: the
   * route answers 408 `upload_timeout` and releases what it held; the
   * connection itself is closed shortly after (`bodyDeadlineFor`).
   */
  uploadTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  idleTimeoutMs: number;
  /** Password hashes (Argon2id, 64 MiB each) computed at once. */
  passwordHashConcurrency: number;
  /** Password checks waiting for a free slot; more get 503 `busy`. */
  passwordHashQueue: number;
}

/** Defaults of the connection deadlines and the password-hash bounds. */
export const DEFAULT_LIMITS = {
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 60_000,
  uploadTimeoutMs: 5 * 60_000,
  idleTimeoutMs: 5_000,
  passwordHashConcurrency: 2,
  passwordHashQueue: 8,
} as const;

/** Default largest chunk: 16 MiB of ciphertext plus room for headers and tags. */
export const DEFAULT_MAX_CHUNK_BYTES = 16 * 1024 * 1024 + 64 * 1024;

const levels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** Schema of the JSON config file: the same names as {@link ServerConfig}, every key optional. */
export const configFileSchema = z
  .object({
    dataDir: z.string().min(1),
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    databaseUrl: z.string().min(1),
    databaseAuthToken: z.string().min(1),
    storage: z.enum(["local", "s3"]),
    chunkDir: z.string().min(1),
    s3: z
      .object({
        endpoint: z.string().url(),
        bucket: z.string().min(1),
        region: z.string().min(1),
        prefix: z.string(),
        accessKeyId: z.string().min(1),
        secretAccessKey: z.string().min(1),
        partSizeMiB: z.number().int().min(5).max(512),
      })
      .partial()
      .strict(),
    maxChunkBytes: z.number().int().min(1024),
    maxSocketsPerMachine: z.number().int().min(2),
    trashRetentionDays: z.number().min(0),
    changeRetentionDays: z.number().min(1),
    purgeHour: z.number().int().min(0).max(23),
    logFile: z.string().min(1),
    logLevel: z.enum(levels),
    allowedHosts: z.array(z.string().min(1)),
    trustedProxies: z.array(z.string().min(1)),
    tlsCertFile: z.string().min(1),
    tlsKeyFile: z.string().min(1),
    publicUrl: z.string().url(),
    headersTimeoutMs: z.number().int().min(1),
    bodyTimeoutMs: z.number().int().min(1),
    uploadTimeoutMs: z.number().int().min(1),
    idleTimeoutMs: z.number().int().min(1),
    passwordHashConcurrency: z.number().int().min(1).max(64),
    passwordHashQueue: z.number().int().min(0),
  })
  .partial()
  .strict();

/** The parsed config file. */
export type ConfigFile = z.infer<typeof configFileSchema>;

/** Inputs of {@link resolveServerConfig}. */
export interface ResolveConfigInput {
  /** CLI option values (flag, else env variable), undefined when unset. */
  values: Record<string, string | boolean | undefined>;
  /** The process environment (for `XDG_DATA_HOME`, `HOME` and S3 secrets). */
  env: Record<string, string | undefined>;
  /** The config file's parsed JSON, if any (validated here). */
  file?: unknown;
}

/** Thrown for a setting that cannot be used; the message names it. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Resolves the server settings. Precedence: flag or env variable, then the
 * config file, then the default.
 * @param input CLI values, environment and config file.
 * @returns The resolved settings.
 * @throws ConfigError for an invalid value.
 */
export function resolveServerConfig(input: ResolveConfigInput): ServerConfig {
  const file = parseConfigFile(input.file);
  const { values, env } = input;
  const str = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const dataDir = str("data-dir") ?? file.dataDir ?? defaultDataDir(env);
  const join = (name: string): string => `${dataDir.replace(/\/+$/, "")}/${name}`;
  const storageKind = str("storage") ?? file.storage ?? "local";
  if (storageKind !== "local" && storageKind !== "s3") {
    throw new ConfigError(`Invalid storage: '${storageKind}' (use local or s3)`);
  }
  const logLevel = str("log-level") ?? file.logLevel ?? "info";
  if (!(levels as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`Invalid log level: '${logLevel}' (use ${levels.join(", ")})`);
  }
  const config: ServerConfig = {
    dataDir,
    host: str("host") ?? file.host ?? "127.0.0.1",
    port: intSetting("port", str("port"), file.port, 8420, 0, 65535),
    databaseUrl: str("database-url") ?? file.databaseUrl ?? `file:${join("syncagent.db")}`,
    storage:
      storageKind === "local"
        ? { kind: "local", dir: str("chunk-dir") ?? file.chunkDir ?? join("chunks") }
        : s3Settings(values, env, file),
    maxChunkBytes: intSetting("max-chunk-bytes", str("max-chunk-bytes"), file.maxChunkBytes, DEFAULT_MAX_CHUNK_BYTES, 1024),
    maxSocketsPerMachine: intSetting("max-sockets-per-machine", str("max-sockets-per-machine"), file.maxSocketsPerMachine, 4, 2),
    trashRetentionDays: numSetting("trash-retention-days", str("trash-retention-days"), file.trashRetentionDays, 30, 0),
    changeRetentionDays: numSetting("change-retention-days", str("change-retention-days"), file.changeRetentionDays, 30, 1),
    purgeHour: intSetting("purge-hour", str("purge-hour"), file.purgeHour, 3, 0, 23),
    logFile: str("log-file") ?? file.logFile ?? join("logs/server.log"),
    logLevel: logLevel as ServerConfig["logLevel"],
    allowedHosts: (str("allowed-hosts")?.split(",").map((h) => h.trim()).filter(Boolean)) ?? file.allowedHosts ?? [],
    trustedProxies: proxyAddresses(str("trusted-proxies")?.split(",").map((h) => h.trim()).filter(Boolean) ?? file.trustedProxies ?? []),
    headersTimeoutMs: intSetting("headers-timeout-ms", str("headers-timeout-ms"), file.headersTimeoutMs, DEFAULT_LIMITS.headersTimeoutMs, 1),
    bodyTimeoutMs: intSetting("body-timeout-ms", str("body-timeout-ms"), file.bodyTimeoutMs, DEFAULT_LIMITS.bodyTimeoutMs, 1),
    uploadTimeoutMs: intSetting("upload-timeout-ms", str("upload-timeout-ms"), file.uploadTimeoutMs, DEFAULT_LIMITS.uploadTimeoutMs, 1),
    idleTimeoutMs: intSetting("idle-timeout-ms", str("idle-timeout-ms"), file.idleTimeoutMs, DEFAULT_LIMITS.idleTimeoutMs, 1),
    passwordHashConcurrency: intSetting(
      "password-hash-concurrency",
      str("password-hash-concurrency"),
      file.passwordHashConcurrency,
      DEFAULT_LIMITS.passwordHashConcurrency,
      1,
      64,
    ),
    passwordHashQueue: intSetting("password-hash-queue", str("password-hash-queue"), file.passwordHashQueue, DEFAULT_LIMITS.passwordHashQueue, 0),
  };
  const token = env.SYNCAGENT_DATABASE_AUTH_TOKEN || file.databaseAuthToken;
  if (token) config.databaseAuthToken = token;
  const publicUrl = str("public-url") ?? file.publicUrl;
  if (publicUrl !== undefined) {
    if (!/^https?:\/\/[^/]+/.test(publicUrl)) throw new ConfigError(`Invalid public URL: '${publicUrl}' (use http(s)://host[:port])`);
    config.publicUrl = publicUrl.replace(/\/+$/, "");
  }
  const cert = str("tls-cert") ?? file.tlsCertFile;
  const key = str("tls-key") ?? file.tlsKeyFile;
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError("TLS needs both a certificate and a key file");
  if (cert && key) {
    config.tlsCertFile = cert;
    config.tlsKeyFile = key;
  }
  return config;
}

/**
 * The default data directory: `$XDG_DATA_HOME/syncagent`, else
 * `~/.local/share/syncagent`.
 * @param env The environment.
 * @returns An absolute path.
 */
export function defaultDataDir(env: Record<string, string | undefined>): string {
  if (env.XDG_DATA_HOME) return `${env.XDG_DATA_HOME.replace(/\/+$/, "")}/syncagent`;
  const home = env.HOME ?? env.USERPROFILE;
  if (!home) throw new ConfigError("Cannot find a data directory: set --data-dir, SYNCAGENT_DATA_DIR or HOME");
  return `${home.replace(/[\\/]+$/, "")}/.local/share/syncagent`;
}

function parseConfigFile(raw: unknown): ConfigFile {
  if (raw === undefined) return {};
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "file";
    throw new ConfigError(`Invalid config file: ${where}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

function numSetting(name: string, raw: string | undefined, fromFile: number | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fromFile ?? fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new ConfigError(`Invalid ${name}: '${raw}' (a number ≥ ${min})`);
  return value;
}

function intSetting(name: string, raw: string | undefined, fromFile: number | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fromFile ?? fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(`Invalid ${name}: '${raw}' (an integer from ${min} to ${max})`);
  }
  return value;
}

function s3Settings(values: ResolveConfigInput["values"], env: ResolveConfigInput["env"], file: ConfigFile): StorageConfig {
  const s3 = file.s3 ?? {};
  const pick = (flag: string, envName: string, fromFile: string | undefined): string | undefined => {
    const v = values[flag];
    if (typeof v === "string" && v !== "") return v;
    return env[envName] || fromFile;
  };
  const endpoint = pick("s3-endpoint", "SYNCAGENT_S3_ENDPOINT", s3.endpoint);
  const bucket = pick("s3-bucket", "SYNCAGENT_S3_BUCKET", s3.bucket);
  const accessKeyId = env.SYNCAGENT_S3_ACCESS_KEY_ID || s3.accessKeyId;
  const secretAccessKey = env.SYNCAGENT_S3_SECRET_ACCESS_KEY || s3.secretAccessKey;
  const missing = [
    ["endpoint", endpoint],
    ["bucket", bucket],
    ["access key id (SYNCAGENT_S3_ACCESS_KEY_ID)", accessKeyId],
    ["secret access key (SYNCAGENT_S3_SECRET_ACCESS_KEY)", secretAccessKey],
  ].filter(([, v]) => !v);
  if (missing.length > 0) throw new ConfigError(`S3 storage needs: ${missing.map(([n]) => n).join(", ")}`);
  const partFlag = values["s3-part-size-mib"];
  const partSizeMiB = intSetting("s3 part size (MiB)", typeof partFlag === "string" && partFlag !== "" ? partFlag : undefined, s3.partSizeMiB, DEFAULT_MULTIPART_PART_SIZE / MIB, MIN_MULTIPART_PART_SIZE / MIB, MAX_MULTIPART_PART_SIZE / MIB);
  return {
    kind: "s3",
    endpoint: endpoint ?? "",
    bucket: bucket ?? "",
    region: pick("s3-region", "SYNCAGENT_S3_REGION", s3.region) ?? "us-east-1",
    prefix: pick("s3-prefix", "SYNCAGENT_S3_PREFIX", s3.prefix) ?? "",
    accessKeyId: accessKeyId ?? "",
    secretAccessKey: secretAccessKey ?? "",
    multipartPartSize: partSizeMiB * MIB,
  };
}

/** Checks the trusted proxy addresses: plain IPv4 or IPv6 addresses, compared as the transport reports them. */
function proxyAddresses(addresses: string[]): string[] {
  for (const address of addresses) {
    if (isIP(address) === 0) throw new ConfigError(`Invalid trusted proxy '${address}': give the proxy's IP address, e.g. 127.0.0.1 or 10.0.0.5`);
  }
  return addresses.map(normalizeAddress);
}
