/**
 * The errors of the local client, shaped as `@libsql/client`'s: a
 * `LibsqlError` whose `code` is the base SQLite code (`SQLITE_CONSTRAINT`),
 * `extendedCode` the driver's (`SQLITE_CONSTRAINT_UNIQUE`), `rawCode` the
 * number, and `cause` the driver's error.
 */
import { LibsqlBatchError, LibsqlError } from "@libsql/client";

const BASE_CODES = [
  "SQLITE_OK",
  "SQLITE_ERROR",
  "SQLITE_INTERNAL",
  "SQLITE_PERM",
  "SQLITE_ABORT",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_NOMEM",
  "SQLITE_READONLY",
  "SQLITE_INTERRUPT",
  "SQLITE_IOERR",
  "SQLITE_CORRUPT",
  "SQLITE_NOTFOUND",
  "SQLITE_FULL",
  "SQLITE_CANTOPEN",
  "SQLITE_PROTOCOL",
  "SQLITE_EMPTY",
  "SQLITE_SCHEMA",
  "SQLITE_TOOBIG",
  "SQLITE_CONSTRAINT",
  "SQLITE_MISMATCH",
  "SQLITE_MISUSE",
  "SQLITE_NOLFS",
  "SQLITE_AUTH",
  "SQLITE_FORMAT",
  "SQLITE_RANGE",
  "SQLITE_NOTADB",
  "SQLITE_NOTICE",
  "SQLITE_WARNING",
];

/**
 * The base code name of a raw SQLite result code.
 * @param rawCode The (possibly extended) numeric code.
 * @returns `SQLITE_…`.
 */
export function baseCodeName(rawCode: number | undefined): string {
  if (rawCode === undefined) return "SQLITE_UNKNOWN";
  const base = rawCode & 0xff;
  return BASE_CODES[base] ?? `SQLITE_UNKNOWN_${base}`;
}

/**
 * A driver error as the client reports it; anything else unchanged.
 * @param error What the driver threw.
 * @returns The error to throw.
 */
export function mapDriverError(error: unknown): unknown {
  if (error instanceof Error && error.name === "SqliteError" && typeof (error as { code?: unknown }).code === "string") {
    const { code, rawCode } = error as Error & { code: string; rawCode?: number };
    return new LibsqlError(error.message, baseCodeName(rawCode), code, rawCode, error);
  }
  return error;
}

/**
 * An error of statement `index` of a batch, as the client reports it.
 * @param error The statement's error.
 * @param index Its position in the batch.
 * @returns A `LibsqlBatchError` for client errors; anything else unchanged.
 */
export function batchError(error: unknown, index: number): unknown {
  if (error instanceof LibsqlBatchError || !(error instanceof LibsqlError)) return error;
  return new LibsqlBatchError(error.message, index, error.code, error.extendedCode, error.rawCode, error.cause instanceof Error ? error.cause : undefined);
}

/**
 * The error of a call on a closed client.
 * @returns The error.
 */
export function clientClosed(): LibsqlError {
  return new LibsqlError("The client is closed", "CLIENT_CLOSED");
}
