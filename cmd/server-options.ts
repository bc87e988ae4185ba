import type { CommandContext, OptionSpec } from "../lib/cli/command.ts";
import type { ServerConfig } from "../lib/server/config.ts";
import { loadServerConfig } from "../lib/server/load-config.ts";

/**
 * Options shared by `syncagent server` and its sub-commands. No option has a
 * CLI default: an unset flag and variable leave room for the config file,
 * then the embedded default (lib/server/config.ts).
 */
export const serverOptions: Record<string, OptionSpec> = {
  config: { type: "string", description: "JSON config file (keys as in docs/architecture.md)", env: "SYNCAGENT_CONFIG", valueName: "FILE" },
  "data-dir": {
    type: "string",
    description: "Data directory (default $XDG_DATA_HOME/syncagent or ~/.local/share/syncagent)",
    env: "SYNCAGENT_DATA_DIR",
    valueName: "DIR",
  },
  host: { type: "string", description: "Address to listen on (default 127.0.0.1)", env: "SYNCAGENT_HOST" },
  port: { type: "string", short: "p", description: "Port to listen on, 0 for any free port (default 8420)", env: "SYNCAGENT_PORT" },
  "database-url": {
    type: "string",
    description: "Metadata database: file:/path.db or libsql://… (default DATA_DIR/syncagent.db; token in SYNCAGENT_DATABASE_AUTH_TOKEN)",
    env: "SYNCAGENT_DATABASE_URL",
    valueName: "URL",
  },
  storage: { type: "string", description: "Chunk storage: local or s3 (default local)", env: "SYNCAGENT_STORAGE", valueName: "KIND" },
  "chunk-dir": { type: "string", description: "Chunk folder for local storage (default DATA_DIR/chunks)", env: "SYNCAGENT_CHUNK_DIR", valueName: "DIR" },
  "s3-endpoint": { type: "string", description: "S3 endpoint URL (keys in SYNCAGENT_S3_ACCESS_KEY_ID / SYNCAGENT_S3_SECRET_ACCESS_KEY)", env: "SYNCAGENT_S3_ENDPOINT", valueName: "URL" },
  "s3-bucket": { type: "string", description: "S3 bucket", env: "SYNCAGENT_S3_BUCKET", valueName: "NAME" },
  "s3-region": { type: "string", description: "S3 region (default us-east-1)", env: "SYNCAGENT_S3_REGION", valueName: "REGION" },
  "s3-prefix": { type: "string", description: "Key prefix inside the bucket", env: "SYNCAGENT_S3_PREFIX", valueName: "PREFIX" },
  "s3-part-size-mib": { type: "string", description: "Objects larger than this go up as multipart uploads of parts this size, 5 to 512 (default 8)", env: "SYNCAGENT_S3_PART_SIZE_MIB", valueName: "MIB" },
  "max-chunk-bytes": { type: "string", description: "Largest accepted chunk in bytes (default 16 MiB + 64 KiB)", env: "SYNCAGENT_MAX_CHUNK_BYTES", valueName: "BYTES" },
  "max-sockets-per-machine": { type: "string", description: "Most WebSockets one machine keeps open (default 4); one more closes its oldest", env: "SYNCAGENT_MAX_SOCKETS_PER_MACHINE", valueName: "N" },
  "trash-retention-days": { type: "string", description: "Days a deleted file stays in the trash (default 30)", env: "SYNCAGENT_TRASH_RETENTION_DAYS", valueName: "DAYS" },
  "change-retention-days": { type: "string", description: "Days the change log is kept (default 30)", env: "SYNCAGENT_CHANGE_RETENTION_DAYS", valueName: "DAYS" },
  "purge-hour": { type: "string", description: "Local hour of the daily trash purge (default 3)", env: "SYNCAGENT_PURGE_HOUR", valueName: "HOUR" },
  "log-file": { type: "string", description: "Log file (default DATA_DIR/logs/server.log)", env: "SYNCAGENT_LOG_FILE", valueName: "FILE" },
  "log-level": { type: "string", description: "trace, debug, info, warn, error (default info)", env: "SYNCAGENT_LOG_LEVEL", valueName: "LEVEL" },
  "allowed-hosts": { type: "string", description: "Comma-separated extra Host names accepted on a loopback address", env: "SYNCAGENT_ALLOWED_HOSTS", valueName: "HOSTS" },
  "trusted-proxies": { type: "string", description: "Comma-separated IP addresses of the load balancers whose X-Forwarded-For names the client (default none)", env: "SYNCAGENT_TRUSTED_PROXIES", valueName: "ADDRESSES" },
  "public-url": { type: "string", description: "URL users reach the server at, e.g. behind a reverse proxy", env: "SYNCAGENT_PUBLIC_URL", valueName: "URL" },
  "tls-cert": { type: "string", description: "PEM certificate file: serve HTTPS", env: "SYNCAGENT_TLS_CERT", valueName: "FILE" },
  "headers-timeout-ms": { type: "string", description: "Close a connection whose request headers take longer (default 10000)", env: "SYNCAGENT_HEADERS_TIMEOUT_MS", valueName: "MS" },
  "body-timeout-ms": { type: "string", description: "Close a connection whose request body takes longer, chunk uploads aside (default 60000)", env: "SYNCAGENT_BODY_TIMEOUT_MS", valueName: "MS" },
  "upload-timeout-ms": { type: "string", description: "Longest time a chunk upload (single or batch) may take to arrive: 408, then the connection closes (default 300000)", env: "SYNCAGENT_UPLOAD_TIMEOUT_MS", valueName: "MS" },
  "idle-timeout-ms": { type: "string", description: "Close an idle keep-alive connection after this long (default 5000)", env: "SYNCAGENT_IDLE_TIMEOUT_MS", valueName: "MS" },
  "password-hash-concurrency": { type: "string", description: "Password hashes (64 MiB each) computed at once (default 2)", env: "SYNCAGENT_PASSWORD_HASH_CONCURRENCY", valueName: "N" },
  "password-hash-queue": { type: "string", description: "Password checks that may wait; more get 503 busy (default 8)", env: "SYNCAGENT_PASSWORD_HASH_QUEUE", valueName: "N" },
  "tls-key": { type: "string", description: "PEM private key file for --tls-cert", env: "SYNCAGENT_TLS_KEY", valueName: "FILE" },
};

/**
 * Loads the config a server sub-command runs with.
 * @param ctx The command's context.
 * @returns The resolved settings.
 */
export function configOf(ctx: CommandContext): Promise<ServerConfig> {
  return loadServerConfig(ctx.values, ctx.env);
}
