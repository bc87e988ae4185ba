/**
 * PostgreSQL's errors as the rest of the server knows them: a `LibsqlError`
 * with SQLite's code and message for the constraint failures the server
 * acts on (a unique key taken, a missing reference), so code that tells
 * "already there" from a failure reads the same on both databases. Other
 * errors keep PostgreSQL's message, with its SQLSTATE in `extendedCode`
 * (`PG_40001`).
 */
import { LibsqlError } from "@libsql/client";

interface PgDriverError extends Error {
  code?: string;
  table?: string;
  column?: string;
  detail?: string;
}

function isPgError(error: unknown): error is PgDriverError {
  return error instanceof Error && typeof (error as PgDriverError).code === "string" && /^[0-9A-Z]{5}$/.test((error as PgDriverError).code as string);
}

/** `t.a, t.b` from a unique violation's detail, `Key (a, b)=(…) already exists.` */
function keyColumns(error: PgDriverError): string {
  const columns = /Key \(([^)]*)\)=/.exec(error.detail ?? "")?.[1];
  if (!columns || !error.table) return error.table ?? "";
  return columns
    .split(",")
    .map((c) => `${error.table}.${c.trim()}`)
    .join(", ");
}

/**
 * A driver error as the client reports it; anything else unchanged.
 * @param error What `pg` threw.
 * @returns The error to throw.
 */
export function mapPgError(error: unknown): unknown {
  if (!isPgError(error)) return error;
  const state = error.code as string;
  switch (state) {
    case "23505":
      return new LibsqlError(`UNIQUE constraint failed: ${keyColumns(error)}`, "SQLITE_CONSTRAINT", "SQLITE_CONSTRAINT_UNIQUE", undefined, error);
    case "23503":
      return new LibsqlError("FOREIGN KEY constraint failed", "SQLITE_CONSTRAINT", "SQLITE_CONSTRAINT_FOREIGNKEY", undefined, error);
    case "23502":
      return new LibsqlError(`NOT NULL constraint failed: ${error.table ?? ""}.${error.column ?? ""}`, "SQLITE_CONSTRAINT", "SQLITE_CONSTRAINT_NOTNULL", undefined, error);
    case "23514":
      return new LibsqlError(`CHECK constraint failed: ${error.message}`, "SQLITE_CONSTRAINT", "SQLITE_CONSTRAINT_CHECK", undefined, error);
    default:
      return new LibsqlError(error.message, state.startsWith("08") ? "SQLITE_IOERR" : "SQLITE_ERROR", `PG_${state}`, undefined, error);
  }
}
